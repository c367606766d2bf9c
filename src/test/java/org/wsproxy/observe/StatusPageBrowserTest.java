package org.wsproxy.observe;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page in a real browser, headless Chromium driven through chromedriver (Debian's chromium and
 * chromium-driver, which .ci/run installs): it loads with no external asset, shows the live session the test
 * opened on its backend and in the oldest sessions, and its drain button stops new sessions going to that backend
 * while the live one goes on; the action is logged with the caller's address.
 */
public class StatusPageBrowserTest
{
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final Started started = new Started();
    private WebSocketClient client;
    private ChromeDriver browser;

    @BeforeEach
    public void start() throws Exception
    {
        // On CI the packages are installed by .ci/run, so their absence there is a failure, not a skip.
        assumeTrue(System.getenv("CI") != null || (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)),
            "headless Chromium is not installed (apt-get install chromium chromium-driver)");
        client = started.webSocketClient();
        // Chromium may take a while to start on a loaded machine: the live session must not idle out meanwhile.
        client.setIdleTimeout(Duration.ofMinutes(5));
    }

    @AfterEach
    public void stopAll() throws Exception
    {
        if (browser != null)
            browser.quit();
        started.stopAll();
    }

    private ChromeDriver browser()
    {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Root in a container: Chromium's sandbox needs user namespaces it may not have; /dev/shm may be small.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    private void await(String what, Callable<Boolean> condition) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            try
            {
                if (condition.call())
                    return;
            }
            catch (StaleElementReferenceException | org.openqa.selenium.NoSuchElementException x)
            {
                // The page re-renders every refresh: look again.
            }
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("not within 30 s: " + what + "; the page says:\n" + pageText());
            Thread.sleep(50);
        }
    }

    private String pageText()
    {
        try
        {
            Files.write(Path.of("target", "status-page.png"), browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
            return browser.findElement(By.tagName("body")).getText();
        }
        catch (Exception x)
        {
            return "(could not read the page: " + x + ")";
        }
    }

    private String cell(String backend, int column)
    {
        WebElement row = browser.findElement(By.cssSelector("tr[data-backend='" + backend + "']"));
        return row.findElements(By.tagName("td")).get(column).getText();
    }

    @Test
    public void pageShowsTheLiveSessionAndItsDrainButtonStopsNewSessionsToThatBackend() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = started.proxy(new ProxyServer().pool("chat", b1.url() + " " + b2.url()).poolRoute("ws", "/", "chat")
            .param("wsproxy.observe.path", "/_wsproxy"));
        browser = browser();
        Recorder recorder = new Recorder();
        Session live = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        String liveOn = live.getUpgradeResponse().getHeader("X-Backend");
        TestBackend drained = liveOn.equals("b1") ? b1 : b2;
        TestBackend other = drained == b1 ? b2 : b1;

        browser.get(proxy.httpUrl("/_wsproxy/status"));
        await("the page loaded its data", () -> browser.findElement(By.tagName("body")).getAttribute("data-loaded") != null);
        assertEquals("wsproxy status", browser.getTitle());
        // The live session: on its backend's row (column 4, live sessions), and in the oldest sessions.
        await("1 live session on " + liveOn, () -> cell(drained.url(), 4).equals("1"));
        assertEquals("0", cell(other.url(), 4));
        assertEquals("up", cell(drained.url(), 1));
        List<WebElement> oldest = browser.findElements(By.cssSelector("#oldest tbody tr"));
        assertEquals(1, oldest.size());
        assertTrue(oldest.get(0).getText().contains(drained.url()), oldest.get(0).getText());
        // Nothing was fetched from elsewhere: every resource the page loaded is the proxy's own.
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>)browser.executeScript("return performance.getEntriesByType('resource').map(e => e.name);");
        for (String resource : resources)
            assertTrue(resource.startsWith(proxy.httpUrl("/_wsproxy/")), resource);

        try (LogCapture log = new LogCapture())
        {
            await("drain clicked", () ->
            {
                browser.findElement(By.cssSelector("tr[data-backend='" + drained.url() + "'] button.drain")).click();
                return true;
            });
            await("the page shows the backend draining", () -> cell(drained.url(), 1).equals("draining"));
            assertTrue(browser.findElement(By.id("message")).getText().contains("done"), browser.findElement(By.id("message")).getText());
            List<String> lines = log.lines("wsproxy status page: drain " + drained.url() + " in pool chat by 127.0.0.1");
            assertEquals(1, lines.size(), lines.toString());
        }

        // New sessions all go to the other backend; the live one goes on.
        for (int i = 0; i < 4; i++)
        {
            Recorder r = new Recorder();
            Session s = client.connect(r, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
            assertEquals(other == b1 ? "b1" : "b2", s.getUpgradeResponse().getHeader("X-Backend"));
            s.close();
            r.awaitClose();
        }
        live.sendText("still here", org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals("still here", recorder.nextText());
        await("still 1 live session on the drained backend", () -> cell(drained.url(), 4).equals("1"));
        live.close();
        recorder.awaitClose();
    }
}
