package dev.agentry.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenUsernamesTest {
  @Test
  void unset_isXAccessTokenForEveryHost() {
    assertThat(TokenUsernames.parse(null).apply("github.com")).isEqualTo("x-access-token");
    assertThat(TokenUsernames.parse(" ").apply("gitlab.example.com")).isEqualTo("x-access-token");
  }

  @Test
  void bareName_isTheDefault_andHostEntriesWinForTheirHost() {
    TokenUsernames u = TokenUsernames.parse("GitLab.Example.com=oauth2, git");
    assertThat(u.apply("gitlab.example.com")).isEqualTo("oauth2");
    assertThat(u.apply("GITLAB.example.com")).isEqualTo("oauth2");
    assertThat(u.apply("github.com")).isEqualTo("git");
  }

  @Test
  void badEntries_nameTheVariableAndTheEntry() {
    assertThatThrownBy(() -> TokenUsernames.parse("host=bad name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_GIT_TOKEN_USERNAME")
        .hasMessageContaining("host=bad name");
    assertThatThrownBy(() -> TokenUsernames.parse("=oauth2"))
        .hasMessageContaining("AGENTRY_GIT_TOKEN_USERNAME")
        .hasMessageContaining("no host");
  }
}
