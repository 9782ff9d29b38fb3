package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PackageNamesTest {
  @Test
  void realNamesAndPins_areAccepted() {
    assertThat(PackageNames.check("apt", "cowsay", "p")).isEqualTo("cowsay");
    assertThat(PackageNames.check("apt", "libtext-charwidth-perl=0.04-11", "p")).isNotNull();
    assertThat(PackageNames.check("npm", "@scope/name@^1.2.3", "p")).isNotNull();
    assertThat(PackageNames.check("pip", "pandas==2.2.0", "p")).isNotNull();
    assertThat(PackageNames.check("pip", "requests[socks]>=2,<3", "p")).isNotNull();
    assertThat(PackageNames.check("pip", "numpy!=1.0", "p")).isNotNull();
    assertThat(PackageNames.check("pip", "django==4.*", "p")).isNotNull();
    assertThat(PackageNames.check("go", "golang.org/x/tools/cmd/stringer@v0.1.0", "p")).isNotNull();
    assertThat(PackageNames.check("cargo", "ripgrep@14.1.0", "p")).isNotNull();
    assertThat(PackageNames.check("gem", "rake:13.0.6", "p")).isNotNull();
  }

  @Test
  void shellMetacharacters_areRefusedNamingTheField() {
    for (String bad :
        new String[] {"a;b", "a&&b", "a|b", "$(id)", "`id`", "a b", "a\nb", "a>b", "a'b", "a\\b"}) {
      assertThatThrownBy(() -> PackageNames.check("apt", bad, "config.packages.apt[2]"))
          .hasMessageContaining("config.packages.apt[2]")
          .hasMessageContaining("shell metacharacters");
    }
    assertThatThrownBy(() -> PackageNames.check("pip", "x;y==1", "config.packages.pip[0]"))
        .hasMessageContaining("shell metacharacters");
  }

  @Test
  void optionLikeAndMisshapenNames_areRefused() {
    assertThatThrownBy(() -> PackageNames.check("npm", "--registry=http://evil", "f"))
        .hasMessageContaining("must not start with '-'");
    assertThatThrownBy(() -> PackageNames.check("apt", "Cowsay", "f"))
        .hasMessageContaining("not a valid apt package");
    assertThatThrownBy(() -> PackageNames.check("pip", "https://evil/x.whl", "f"))
        .hasMessageContaining("f:");
  }
}
