package dev.dycoke4j.server;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs) against the server on the tiny oracle model: an upload, a streamed answer equal to the library's, the kept
 * map against the stats, DP's step slider, compare mode, model output shown as text, and a too-large upload's error.
 * One browser session; screenshots go to {@code target/web-screenshots}.
 */
class WebPageTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "web-screenshots");
    static final String Q1 = "What happens in this video?", Q2 = "What is in the video?";
    static final int TOKENS = 8;
    static VideoQa qa, reference;
    static Fixture.Running server;
    static ChromeDriver driver;
    static WebDriverWait wait;
    static long cap;

    @BeforeAll
    static void start() throws Exception {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) missing.add(CHROMIUM + " (Debian package chromium)");
        if (!Files.isExecutable(DRIVER)) missing.add(DRIVER + " (Debian package chromium-driver)");
        Assumptions.assumeTrue(missing.isEmpty(), "the browser test needs " + String.join(" and ", missing)
                + ": install them with 'apt-get install -y chromium chromium-driver' (.ci/run does)");
        qa = VideoQa.load(Fixture.MODEL);
        reference = VideoQa.load(Fixture.MODEL);
        cap = Files.size(Fixture.CLIP) + 1000;
        ServerConfig c = Fixture.config();
        server = Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), null, c.media().withMaxBytes(cap), c.maxFrames(), c.maxQueue(),
                c.maxBatch(), c.prefillChunk(), c.defaults()));
        Files.createDirectories(SHOTS);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,2000",
                "--user-data-dir=" + Files.createTempDirectory("dycoke-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        wait = new WebDriverWait(driver, Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.close();
        if (qa != null) qa.close();
        if (reference != null) reference.close();
    }

    static void shot(String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    static WebElement id(String id) {
        return driver.findElement(By.id(id));
    }

    static String answer(CompressionMethod comp, String question) {
        Answer a = Fixture.library(reference, Fixture.CLIP, 8, question, TOKENS, comp);
        return a.text();
    }

    static List<WebElement> doneCards(int turnsBack) {
        return driver.findElements(By.cssSelector("#chat > .turn:nth-child(" + (turnsBack + 1) + ") .card.done"));
    }

    @Test
    void aPersonUploadsAsksComparesAndReadsWhatWasKept() throws Exception {
        CompressionMethod dycoke = CompressionMethods.parse("dycoke", Map.of("dp_l", "2"));
        CompressionMethod uniform = CompressionMethods.parse("uniform", Map.of("ratio", "0.35"));
        Answer expected = Fixture.library(reference, Fixture.CLIP, 8, Q1, TOKENS, dycoke);

        driver.get(server.url("/"));
        wait.until(d -> !d.findElements(By.cssSelector("#method option[value=dycoke]")).isEmpty());
        assertTrue(id("cap").getText().contains("KiB"), id("cap").getText());

        id("file").sendKeys(Fixture.CLIP.toAbsolutePath().toString());
        wait.until(d -> id("video-status").getAttribute("data-id") != null);
        assertEquals(WebApiTest.sha256(Files.readAllBytes(Fixture.CLIP)), id("video-status").getAttribute("data-id"));

        new Select(id("method")).selectByValue("dycoke");
        driver.findElement(By.cssSelector("#options-box summary")).click();
        driver.findElement(By.cssSelector("#options input[data-option=dp_l]")).sendKeys("2");
        id("max-tokens").clear();
        id("max-tokens").sendKeys(Integer.toString(TOKENS));
        id("question").sendKeys(Q1);
        id("ask").click();
        wait.until(d -> doneCards(0).size() == 1);
        WebElement card = doneCards(0).getFirst();
        assertEquals("", card.findElement(By.className("error")).getText());
        assertEquals(expected.text(), card.findElement(By.className("answer")).getText(), "the streamed answer is the library's");

        int kept = expected.stats().visualKept();
        assertEquals(Integer.toString(kept), card.findElement(By.cssSelector("tr[data-stat=kept] td")).getText());
        for (String budget : new String[]{"kept", "attended", "flops", "kv"})
            assertTrue(!card.findElement(By.cssSelector("tr[data-stat=" + budget + "] td")).getText().isBlank(), "the four budgets are shown: " + budget);
        assertEquals(kept, card.findElements(By.cssSelector(".kept-map .cell.kept")).size(), "the map shows exactly the kept tokens");
        assertEquals(Integer.toString(kept), card.findElement(By.className("kept-count")).getText());
        assertEquals(expected.stats().visualTokens() - kept, card.findElements(By.cssSelector(".kept-map .cell.merged")).size());
        assertEquals(8, card.findElements(By.cssSelector(".kept-map figure.frame")).size());
        wait.until(d -> card.findElements(By.cssSelector("img.thumb")).stream().allMatch(i -> i.getAttribute("src") != null && i.getAttribute("src").startsWith("blob:")));
        assertEquals(7, card.findElements(By.cssSelector(".stage-chart .bar")).size());

        WebElement slider = card.findElement(By.className("dp-step"));
        slider.sendKeys(Keys.ARROW_RIGHT);
        String label = card.findElement(By.className("dp-label")).getText();
        int attended = card.findElements(By.cssSelector(".cell.attended")).size();
        assertTrue(label.equals("1: every kept token") && attended == 0 || label.equals("1: " + attended + " attended") && attended > 0 && attended < kept,
                label + " with " + attended + " cells attended");
        shot("answer");

        id("compare").click();
        new Select(id("method-b")).selectByValue("uniform");
        id("question").clear();
        id("question").sendKeys(Q2);
        id("ask").click();
        wait.until(d -> doneCards(0).size() == 2);
        List<WebElement> cards = doneCards(0);
        assertEquals(List.of("dycoke", "uniform"), cards.stream().map(c -> c.getAttribute("data-method")).toList());
        assertEquals(answer(dycoke, Q2), cards.get(0).findElement(By.className("answer")).getText());
        assertEquals(answer(uniform, Q2), cards.get(1).findElement(By.className("answer")).getText());
        assertTrue(cards.get(0).findElement(By.className("meta")).getText().startsWith("vision cached"), "a follow-up reuses the video's features");
        for (WebElement c : cards)
            assertEquals(c.findElement(By.cssSelector("tr[data-stat=kept] td")).getText(), Integer.toString(c.findElements(By.cssSelector(".cell.kept")).size()));
        shot("compare");

        Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                (async () => {
                  const m = await import('/answer.js');
                  const card = m.newCard(document.getElementById('chat'), 'injected');
                  card.root.id = 'injected';
                  const chunk = {choices: [{index: 0, delta: {content: arguments[0]}}]};
                  const res = new Response('data: ' + JSON.stringify(chunk) + '\\n\\ndata: [DONE]\\n\\n', {headers: {'Content-Type': 'text/event-stream'}});
                  await m.readAnswer(res, card);
                  return 'read';
                })().then(done, e => done('failed: ' + e));
                """, "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"><b>bold</b>");
        assertEquals("read", result);
        WebElement injected = id("injected").findElement(By.className("answer"));
        assertEquals("<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"><b>bold</b>", injected.getText());
        assertTrue(injected.findElements(By.xpath("./*")).isEmpty(), "no element was made from the model's text");
        assertNotNull(((JavascriptExecutor) driver).executeScript("return typeof window.__pwned === 'undefined' ? 'safe' : null"));

        Path big = Files.createTempFile("too-large", ".mkv");
        Files.write(big, new byte[(int) cap + 2000]);
        id("file").sendKeys(big.toAbsolutePath().toString());
        wait.until(d -> !id("video-error").getText().isEmpty());
        assertEquals("the video is larger than the server's cap of " + cap + " bytes", id("video-error").getText());
        shot("too-large");
        Files.delete(big);
    }
}
