package org.wsproxy.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.e2e.JettyHomeProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the benchmark from rotting: the whole of it (backend, the built WAR in jetty-home, separate load
 * drivers) with tiny sizes and without nginx. Asserts that every workload ran on both targets and every
 * echo and response checked out, never how fast anything was.
 */
class BenchmarkSmokeIT
{
    @TempDir
    Path tmp;

    @Test
    void everyWorkloadRunsAgainstDirectAndWsproxyWithoutErrors() throws Exception
    {
        Flags flags = Flags.parse("--nginx", "false", "--proxy-warmup", "0s", "--warmup", "200ms", "--duration", "1s",
            "--connections", "4", "--window", "2", "--large-connections", "1", "--large-size", "256KiB", "--idle", "20",
            "--http-connections", "2", "--cold-upgrades", "20", "--cold-messages", "50", "--out", tmp.resolve("results.md").toString());
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        List<ResultTable.Row> rows;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8))
        {
            rows = Benchmark.run(flags, Path.of(JettyHomeProcess.requiredProperty("jetty.home")), Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")),
                Path.of(JettyHomeProcess.requiredProperty("wsproxy.war")), out);
        }
        String log = output.toString(StandardCharsets.UTF_8);
        System.out.println(log);

        // Each workload and the two start-up rows, direct and through wsproxy.
        assertEquals((Workload.KEYS.size() + 2) * 2, rows.size(), log);
        for (ResultTable.Row row : rows)
        {
            String what = row.workload().key() + " via " + row.target().name();
            assertEquals(0, row.result().errors(), () -> what + ": " + row.result().firstError() + "\n" + log);
            assertTrue(row.result().units() > 0, () -> what + " did no work\n" + log);
            assertTrue(row.result().checked() > 0, () -> what + " checked nothing\n" + log);
            if (row.target().name().equals("wsproxy"))
                assertTrue(row.result().proxyCpuNanos() >= 0, () -> what + ": no CPU time read\n" + log);
            if (row.target().name().equals("wsproxy") && row.workload().key().startsWith("d"))
                assertTrue(row.result().hasRss(), () -> what + ": no memory figure\n" + log);
        }
        assertTrue(log.contains("| workload | via |"), log);
    }

}
