package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.Redactor;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The stream redactor behind live previews: whatever way a response's text is cut into deltas, the
 * previews never hold a secret, even put together, and put together they are the redacted text.
 */
class RedactingStreamListenerTest {
  static final String SECRET = "ghp_StreamMe/0123456789+abcdef";
  static final String OTHER = "sk-ant-api03-zyxwvutsrq";
  static final String B64 =
      Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8));
  static final String URL = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);

  record Delta(int index, boolean thinking, String text) {}

  /** Records what would become previews, and checks after each one that no secret got out. */
  static final class Recorder implements ModelStreamListener {
    final List<Delta> deltas = new ArrayList<>();
    final Redactor redactor;

    Recorder(Redactor redactor) {
      this.redactor = redactor;
    }

    @Override
    public void onTextDelta(int index, String text) {
      deltas.add(new Delta(index, false, text));
      assertThat(redactor.containsSecret(text(index))).as(text(index)).isFalse();
    }

    @Override
    public void onThinkingDelta(int index, String thinking) {
      deltas.add(new Delta(index, true, thinking));
      assertThat(redactor.containsSecret(text(index))).as(text(index)).isFalse();
    }

    String text(int index) {
      return deltas.stream()
          .filter(d -> d.index() == index)
          .map(Delta::text)
          .collect(Collectors.joining());
    }
  }

  static Redactor redactor() {
    Redactor r = new Redactor();
    r.add(SECRET);
    r.add(OTHER);
    return r;
  }

  /** Streams {@code pieces} as text block 0 and finishes; returns what came out. */
  static Recorder stream(Redactor redactor, List<String> pieces) {
    Recorder out = new Recorder(redactor);
    RedactingStreamListener listener = new RedactingStreamListener(out, redactor);
    pieces.forEach(p -> listener.onTextDelta(0, p));
    listener.finish();
    return out;
  }

  static List<String> characters(String text) {
    return text.chars().mapToObj(c -> String.valueOf((char) c)).toList();
  }

  @Test
  void noSecretRegistered_eachDeltaGoesThroughAsItCame() {
    Redactor none = new Redactor();
    Recorder out = new Recorder(none);
    RedactingStreamListener listener = new RedactingStreamListener(out, none);
    String first = "the token is ghp_";
    String second = "StreamMe";
    listener.onTextDelta(0, first);
    listener.onThinkingDelta(1, second);
    assertThat(out.deltas).hasSize(2);
    assertThat(out.deltas.get(0).text()).isSameAs(first);
    assertThat(out.deltas.get(1).text()).isSameAs(second);
    listener.finish();
    assertThat(out.deltas).hasSize(2);
  }

  @Test
  void secretSplitAcrossTwoDeltas_isRedactedWhole() {
    Redactor r = redactor();
    Recorder out = stream(r, List.of("the token is ghp_Stream", "Me/0123456789+abcdef, keep it"));
    assertThat(out.text(0)).isEqualTo("the token is [redacted], keep it");
  }

  @Test
  void secretInOneCharacterDeltas_inEveryForm_isRedacted() {
    Redactor r = redactor();
    String text = "a " + SECRET + " b " + B64 + " c " + URL + " d " + OTHER + ".";
    Recorder out = stream(r, characters(text));
    assertThat(out.text(0)).isEqualTo("a [redacted] b [redacted] c [redacted] d [redacted].");
    assertThat(out.text(0)).isEqualTo(r.redact(text));
  }

  @Test
  void prefixThatDiverges_comesThroughUnredacted_inOrder_withoutWaitingForTheEnd() {
    Redactor r = redactor();
    Recorder out = new Recorder(r);
    RedactingStreamListener listener = new RedactingStreamListener(out, r);
    listener.onTextDelta(0, "almost ghp_StreamMe/0123");
    assertThat(out.text(0)).isEqualTo("almost ");
    listener.onTextDelta(0, "X and sk-ant-");
    listener.onTextDelta(0, "api03-nope ");
    assertThat(out.text(0)).isEqualTo("almost ghp_StreamMe/0123X and sk-ant-api03-nope ");
    listener.finish();
    assertThat(out.text(0)).isEqualTo("almost ghp_StreamMe/0123X and sk-ant-api03-nope ");
  }

  @Test
  void heldTail_isLetOutByFinish_toTheBlockItCameFrom() {
    Redactor r = redactor();
    Recorder out = new Recorder(r);
    RedactingStreamListener listener = new RedactingStreamListener(out, r);
    listener.onThinkingDelta(0, "thinking about ghp_St");
    listener.onTextDelta(1, "answer: sk-ant-api03-zyx");
    listener.onThinkingDelta(0, "reamMe/0123456789+abcdef");
    listener.onTextDelta(1, "wvutsrq");
    listener.onTextDelta(2, "ends on a prefix ghp_");
    // Whole, but its padded form is longer and may still come: held, then redacted at the end.
    String unpadded =
        Base64.getEncoder().withoutPadding().encodeToString(OTHER.getBytes(StandardCharsets.UTF_8));
    listener.onTextDelta(3, "key " + unpadded);
    assertThat(out.text(3)).isEqualTo("key ");
    listener.finish();
    assertThat(out.text(0)).isEqualTo("thinking about [redacted]");
    assertThat(out.text(1)).isEqualTo("answer: [redacted]");
    assertThat(out.text(2)).isEqualTo("ends on a prefix ghp_");
    assertThat(out.text(3)).isEqualTo("key [redacted]");
    assertThat(out.deltas)
        .allSatisfy(d -> assertThat(d.thinking()).as(d.toString()).isEqualTo(d.index() == 0));
  }

  /**
   * One secret ends with the start of another: what could begin the second must not be cut off from
   * the whole first one before it.
   */
  @Test
  void secretsThatOverlap_neitherGetsOutInPieces() {
    Redactor r = new Redactor();
    r.add("alpha-key-1234");
    r.add("key-1234-bravo-zz");
    assertThat(stream(r, List.of("x alpha-key-1234", " end")).text(0))
        .isEqualTo("x [redacted] end");
    assertThat(stream(r, List.of("x alpha-key-1234", "-bravo-zz.")).text(0))
        .isEqualTo(r.redact("x alpha-key-1234-bravo-zz."))
        .isEqualTo("x alpha-[redacted].");
  }

  /** Forms of two secrets, overlapping and side by side, cut at random places, many times. */
  @Test
  void anyCutting_givesTheRedactionOfTheWhole() {
    Redactor r = redactor();
    String text =
        "x"
            + SECRET
            + SECRET
            + " ghp_StreamMe/01 "
            + B64
            + "=="
            + URL.substring(0, 20)
            + URL
            + OTHER.substring(0, 9)
            + OTHER
            + "Basic "
            + Base64.getEncoder().encodeToString(("me:" + SECRET).getBytes(StandardCharsets.UTF_8))
            + " end";
    Random random = new Random(42);
    for (int round = 0; round < 300; round++) {
      List<String> pieces = new ArrayList<>();
      for (int at = 0; at < text.length(); ) {
        int next = Math.min(text.length(), at + 1 + random.nextInt(12));
        pieces.add(text.substring(at, next));
        at = next;
      }
      assertThat(stream(r, pieces).text(0)).as(pieces.toString()).isEqualTo(r.redact(text));
    }
  }
}
