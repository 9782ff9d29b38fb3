package dev.agentry.harness;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/** Readable text of an HTML document: blocks as lines, list items as "- ", links with URLs. */
final class HtmlText implements NodeVisitor {
  private static final java.util.Set<String> DROP =
      java.util.Set.of(
          "script", "style", "noscript", "template", "svg", "iframe", "head", "object", "canvas");
  private static final java.util.Set<String> BLOCK =
      java.util.Set.of(
          "p",
          "div",
          "section",
          "article",
          "main",
          "header",
          "footer",
          "nav",
          "aside",
          "h1",
          "h2",
          "h3",
          "h4",
          "h5",
          "h6",
          "ul",
          "ol",
          "li",
          "table",
          "tr",
          "pre",
          "blockquote",
          "br",
          "hr",
          "dl",
          "dt",
          "dd",
          "figure",
          "figcaption",
          "form",
          "address",
          "body");
  private final StringBuilder out = new StringBuilder();

  static String of(Document doc) {
    doc.select(String.join(",", DROP)).remove();
    HtmlText v = new HtmlText();
    NodeTraversor.traverse(v, doc.body() == null ? doc : doc.body());
    return v.out.toString().replaceAll("[ \\t]+\\n", "\n").replaceAll("\\n{3,}", "\n\n").strip();
  }

  @Override
  public void head(Node node, int depth) {
    if (node instanceof TextNode t) {
      String s = t.text().replaceAll("\\s+", " ");
      if (!s.isBlank()) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) == '\n') {
          s = s.stripLeading();
        }
        out.append(s);
      }
    } else if (node instanceof Element e) {
      String tag = e.normalName();
      if (BLOCK.contains(tag)) {
        newline();
      }
      if (tag.matches("h[1-6]")) {
        out.append("#".repeat(tag.charAt(1) - '0')).append(' ');
      } else if (tag.equals("li")) {
        out.append("- ");
      }
    }
  }

  @Override
  public void tail(Node node, int depth) {
    if (node instanceof Element e) {
      String tag = e.normalName();
      if (tag.equals("a")) {
        String href = e.absUrl("href");
        if (href.startsWith("http") && !e.text().isBlank() && !href.equals(e.text().strip())) {
          out.append(" (").append(href).append(')');
        }
      } else if (BLOCK.contains(tag)) {
        newline();
      }
    }
  }

  private void newline() {
    if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
      out.append('\n');
    }
  }
}
