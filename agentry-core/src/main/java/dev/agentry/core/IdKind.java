package dev.agentry.core;

/** The kinds of object Agentry names, each with the prefix that the Managed Agents API uses. */
public enum IdKind {
  AGENT("agent_"),
  ENVIRONMENT("env_"),
  SESSION("sesn_"),
  THREAD("sthr_"),
  EVENT("sevt_"),
  OUTCOME("outc_"),
  VAULT("vlt_"),
  CREDENTIAL("vcrd_"),
  API_KEY("apikey_"),
  WORKSPACE("wrkspc_"),
  SESSION_RESOURCE("sesrsc_"),
  FILE("file_"),
  MEMORY_STORE("memstore_"),
  MEMORY("mem_"),
  MEMORY_VERSION("memver_"),
  SKILL("skill_"),
  DEPLOYMENT("depl_"),
  DEPLOYMENT_RUN("drun_"),
  WEBHOOK("whep_"),
  WEBHOOK_EVENT("wevt_"),
  REQUEST("req_"),
  WORK("work_"),
  ENVIRONMENT_KEY("envkey_");

  private final String prefix;

  IdKind(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /**
   * Whether {@code id} looks like an id of this kind (prefix and alphabet only; ids stay opaque).
   */
  public boolean matches(String id) {
    if (id == null || !id.startsWith(prefix) || id.length() > prefix.length() + 64) {
      return false;
    }
    for (int i = prefix.length(); i < id.length(); i++) {
      char c = id.charAt(i);
      if (!Character.isLetterOrDigit(c) || c > 127) {
        return false;
      }
    }
    return id.length() > prefix.length();
  }
}
