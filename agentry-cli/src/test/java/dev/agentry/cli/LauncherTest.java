package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./agentry} launcher tells the CLI how the user runs it, so that the commands the CLI
 * suggests can be pasted where the user is. Runs a copy of the real script in a scratch checkout
 * whose "JDK" prints what the script handed it.
 */
class LauncherTest {
  @TempDir Path root;

  @BeforeEach
  void scratchCheckout() throws IOException {
    Path script = root.resolve("agentry");
    Files.copy(Path.of("..", "agentry"), script, StandardCopyOption.COPY_ATTRIBUTES);
    Path javaHome = root.resolve("scripts/java-home.sh");
    Files.createDirectories(javaHome.getParent());
    Files.copy(Path.of("..", "scripts", "java-home.sh"), javaHome);
    Path jar = root.resolve("agentry-cli/target/agentry.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    executable(
        root.resolve("jdk/bin/java"),
        """
        #!/bin/sh
        if [ "$1" = "-version" ]; then echo 'openjdk version "25" 2025-09-16' >&2; exit 0; fi
        echo "AGENTRY_COMMAND=$AGENTRY_COMMAND"
        """);
    Files.createDirectories(root.resolve("sub"));
  }

  static void executable(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  String launch(Path dir, String path, String... command) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("PATH", path);
    pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out.strip();
  }

  @Test
  void notOnThePath_theSuggestedCommandIsThePathItWasStartedBy() throws Exception {
    assertThat(launch(root, "/usr/bin:/bin", "./agentry", "tail"))
        .isEqualTo("AGENTRY_COMMAND=./agentry");
    assertThat(launch(root.resolve("sub"), "/usr/bin:/bin", "../agentry", "tail"))
        .isEqualTo("AGENTRY_COMMAND=../agentry");
    assertThat(launch(root.resolve("sub"), "/usr/bin:/bin", "bash", "../agentry"))
        .isEqualTo("AGENTRY_COMMAND=../agentry");
  }

  @Test
  void onThePath_itIsAgentry_butNotWhenThatIsAnotherAgentry() throws Exception {
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("agentry"), root.resolve("agentry"));
    String path = bin + ":/usr/bin:/bin";
    // Found on the child's PATH, as a shell would.
    assertThat(launch(root.resolve("sub"), path, "/bin/sh", "-c", "agentry"))
        .isEqualTo("AGENTRY_COMMAND=agentry");
    assertThat(launch(root, path, "./agentry")).isEqualTo("AGENTRY_COMMAND=agentry");

    Path other = Files.createDirectories(root.resolve("other"));
    executable(other.resolve("agentry"), "#!/bin/sh\necho another agentry\n");
    assertThat(launch(root, other + ":/usr/bin:/bin", "./agentry"))
        .isEqualTo("AGENTRY_COMMAND=./agentry");
    assertThat(List.of(launch(root, other + ":/usr/bin:/bin", "bash", "agentry")))
        .containsExactly("AGENTRY_COMMAND=./agentry");
  }
}
