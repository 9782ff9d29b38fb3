package dev.agentry.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through its chromedriver (both installed by {@code .ci/run}).
 * The flags keep Chromium off the network it would otherwise reach for at start, which this machine
 * refuses; each browser gets a fresh profile. Screenshots go to {@code target/screenshots}.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  final ChromeDriver driver;
  private final WebDriverWait wait;

  Browser(Path profile) {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new IllegalStateException(
          "the browser tests need Debian's chromium and chromium-driver: "
              + "apt-get install -y chromium chromium-driver (.ci/run does)");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + profile.toAbsolutePath(),
        "--window-size=1280,900");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  void open(String url) {
    driver.get(url);
  }

  WebElement await(By by) {
    return until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  void awaitText(By by, String text) {
    until(ExpectedConditions.textToBePresentInElementLocated(by, text));
  }

  /** Waits until {@code script} (a JavaScript expression) is true. */
  void awaitTrue(String script) {
    until(d -> Boolean.TRUE.equals(driver.executeScript("return !!(" + script + ")")));
  }

  /** Waits for {@code condition}; a timeout reports what the page's console said. */
  private <T> T until(Function<WebDriver, T> condition) {
    try {
      return wait.until(condition);
    } catch (TimeoutException e) {
      String console =
          driver.manage().logs().get(LogType.BROWSER).getAll().stream()
              .map(LogEntry::toString)
              .collect(Collectors.joining("\n"));
      throw new AssertionError(
          e.getMessage()
              + "\nat "
              + driver.getCurrentUrl()
              + "\nbrowser console:\n"
              + console
              + "\npage:\n"
              + driver.findElement(By.tagName("body")).getText(),
          e);
    }
  }

  Object eval(String script) {
    return driver.executeScript("return " + script);
  }

  void phone() {
    driver.manage().window().setSize(new Dimension(390, 844));
  }

  /** Saves a screenshot as {@code target/screenshots/<name>.png} and returns its path. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
