package dev.agentry.harness;

import java.io.IOException;
import java.util.List;

/** A web search backend for the runtime's {@code web_search} tool. */
public interface SearchProvider {
  /** One hit. */
  record Result(String title, String url, String snippet) {}

  /**
   * Up to {@code max} results for {@code query}; an {@link IOException} becomes an error result for
   * the model.
   */
  List<Result> search(String query, int max) throws IOException;
}
