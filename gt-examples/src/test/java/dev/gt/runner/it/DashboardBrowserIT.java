package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The server's dashboard in a real browser: Debian's headless Chromium driven by Selenium through
 * chromedriver. Log in (a wrong password refused first), see a client appear, see traffic move on
 * the figures and the chart, edit a limit and see it in force (a bad value refused whole), see the
 * client disappear. Screenshots go to {@code target/screenshots}.
 */
@Timeout(180)
class DashboardBrowserIT extends AcceptanceBase {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern WEB = Pattern.compile("dashboard on (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Pattern ADDR = Pattern.compile("GT server listening on 127\\.0\\.0\\.1:(\\d+) \\(-addr\\)");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PASSWORD = "correct-horse-battery";

    private WebDriver browser;
    private Path shots;

    @BeforeEach
    void openBrowser() throws Exception {
        // Never skipped: without the browser this test fails and says what to install.
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "the dashboard's browser test "
                + "needs Debian's chromium and chromedriver: apt-get install -y chromium chromium-driver (found "
                + "chromium: " + Files.isExecutable(CHROMIUM) + ", chromedriver: " + Files.isExecutable(CHROMEDRIVER)
                + ")");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        shots = Files.createDirectories(Path.of("target", "screenshots"));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    private void until(String what, java.util.function.BooleanSupplier condition) {
        // The dashboard redraws its tables every second: an element found a moment ago may be replaced
        // before its text is read, so a stale element means "look again", not a failure.
        new WebDriverWait(browser, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }

    private void screenshot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(shots.resolve(name + ".png"), png);
    }

    /** The text of an element, found again if a redraw replaced it between finding and reading. */
    private String textOf(String css) {
        for (int attempt = 1; ; attempt++) {
            try {
                return find(css).getText();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    @Test
    void logInWatchAClientAndItsTrafficEditALimit() throws Exception {
        GtProcess server = server("server", "-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret1",
                "-webAddr", "127.0.0.1:0", "-admin", "ops", "-password", PASSWORD);
        Matcher web = server.awaitMatch(WEB, START);
        int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
        String url = web.group(1);

        browser.get(url);
        until("the login form", () -> find("#login").isDisplayed());
        find("#username").sendKeys("ops");
        find("#password").sendKeys("not-the-password");
        find("#login-button").click();
        until("the refusal of a wrong password", () -> textOf("#login-error").contains("wrong user name or password"));
        assertFalse(find("#nav").isDisplayed());
        screenshot("01-wrong-password");

        find("#username").clear();
        find("#username").sendKeys("ops");
        find("#password").sendKeys(PASSWORD);
        find("#login-button").click();
        until("the home page", () -> find("#page-home").isDisplayed() && textOf("#clients-count").equals("0"));
        // The session cookie is not readable by scripts.
        assertEquals("", String.valueOf(((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return document.cookie;")));

        LocalHttp local = closeLater(LocalHttp.start("local"));
        GtProcess client = client("client", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id", "id1",
                "-secret", "secret1");
        awaitReady(client);
        until("the client on the home page", () -> textOf("#clients-count").equals("1"));

        // Traffic: 4 MiB echoed through the tunnel; the figures and the chart follow within seconds.
        Path payload = dir.resolve("payload.bin");
        Files.write(payload, new byte[1 << 20]);
        for (int i = 0; i < 4; i++) {
            Cmd.Result r = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: id1.example.com",
                    "--data-binary", "@" + payload, "http://127.0.0.1:" + addr + "/echo");
            assertEquals("200", r.ok().trim());
        }
        until("traffic on the figures", () -> textOf("#bytes-in").endsWith("MiB") && textOf("#bytes-out").endsWith("MiB"));
        until("traffic on the chart", () -> Long.parseLong(find("#traffic-chart").getAttribute("data-max")) > 100_000);
        screenshot("02-home-with-traffic");

        browser.get(url + "#clients");
        until("the client in the list with its route and no speed limit", () -> {
            String row = textOf("#clients-table tr[data-id='id1']");
            return row.contains("http(s) id1") && row.contains("speed ∞");
        });
        screenshot("03-clients");

        // A bad value: the option's own message, nothing applied.
        browser.get(url + "#config");
        until("the edit form", () -> !browser.findElements(By.id("edit-speed")).isEmpty());
        assertFalse(textOf("#config").contains("secret1"), "a secret reached the browser");
        find("#edit-speed").clear();
        find("#edit-speed").sendKeys("fast");
        find("#edit-apply").click();
        until("the refusal of a bad value", () -> textOf("#edit-error").contains("-speed"));
        screenshot("04-bad-value");
        // A good one: applied through reconfigure, in force for the connected client.
        find("#edit-speed").clear();
        find("#edit-speed").sendKeys("1048576");
        find("#edit-apply").click();
        until("the change applied", () -> textOf("#edit-result").contains("speedLimitPerClient"));
        screenshot("05-limit-applied");
        browser.get(url + "#clients");
        until("the new limit in the list", () -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#clients-table tr[data-id='id1']"));
            return !rows.isEmpty() && rows.get(0).getText().contains("speed 1.0 MiB/s");
        });
        server.awaitLine("GT server reconfigured: settings [-speed]", START);

        client.stop();
        until("the client gone", () -> browser.findElements(By.cssSelector("#clients-table tr[data-id='id1']"))
                .isEmpty());
        screenshot("06-client-gone");
        browser.get(url + "#home");
        until("no client on the home page", () -> textOf("#clients-count").equals("0"));
    }

    @Test
    void aClientsDashboardShowsItsTunnelsAndWhetherItsServicesAnswer() throws Exception {
        GtProcess server = server("server", "-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret1");
        int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
        LocalHttp local = closeLater(LocalHttp.start("local"));
        int dead = Ports.free();
        GtProcess client = client("client", "-remote", "tcp://127.0.0.1:" + addr, "-id", "id1", "-secret", "secret1",
                "-webAddr", "127.0.0.1:0", "-password", PASSWORD,
                "-local", local.url(), "-local", "http://127.0.0.1:" + dead, "-hostPrefix", "down");
        awaitReady(client);
        String url = client.awaitMatch(WEB, START).group(1);
        browser.get(url);
        until("the login form", () -> find("#login").isDisplayed());
        find("#username").sendKeys("admin");
        find("#password").sendKeys(PASSWORD);
        find("#login-button").click();
        until("the home page", () -> find("#page-home").isDisplayed() && textOf("#tunnels-count").equals("1"));
        browser.get(url + "#tunnels");
        until("both services probed", () -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#services-table tbody tr"));
            return rows.size() == 2 && rows.get(0).getText().contains("yes") && rows.get(1).getText().contains("no");
        });
        assertTrue(textOf("#services-table").contains("host prefix id1"), textOf("#services-table"));
        assertTrue(textOf("#services-table").contains("host prefix down"), textOf("#services-table"));
        assertTrue(textOf("#tunnels-table").contains("tcp://127.0.0.1:" + addr), textOf("#tunnels-table"));
        screenshot("07-client-dashboard");
    }
}
