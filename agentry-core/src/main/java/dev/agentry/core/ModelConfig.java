package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The model an agent runs on; {@code effort} is always present in responses. */
public record ModelConfig(
    String id,
    Effort effort,
    @JsonInclude(JsonInclude.Include.NON_NULL) String inferenceGeo,
    @JsonInclude(JsonInclude.Include.NON_NULL) String speed) {

  /** Reasoning effort: {@code low|medium|high|xhigh|max}. */
  public record Effort(String type) {}
}
