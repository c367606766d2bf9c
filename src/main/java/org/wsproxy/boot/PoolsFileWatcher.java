package org.wsproxy.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.PoolsFile;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.upstream.Pools;

/**
 * Changes pools at run time from a file, without redeploying and without closing a session: the file is
 * read at start and then every interval; when its text changed, it is parsed whole, and only if all of it
 * is valid is each changed pool given its new members (one atomic snapshot swap per pool, endpoints and
 * their live sessions kept). A bad file is logged with the bad key and value and changes nothing; a missing
 * file changes nothing either (an editor may be replacing it).
 */
public class PoolsFileWatcher extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(PoolsFileWatcher.class);

    private final Path file;
    private final ProxyConfig config;
    private final Pools pools;
    private final Scheduler scheduler;
    private final long intervalMillis;
    private String lastText;
    private boolean reportedMissing;
    private volatile Scheduler.Task next;
    private volatile long applied;

    public PoolsFileWatcher(Path file, ProxyConfig config, Pools pools, Scheduler scheduler)
    {
        this.file = file;
        this.config = config;
        this.pools = pools;
        this.scheduler = scheduler;
        this.intervalMillis = config.poolsFileInterval().toMillis();
    }

    /** The configured path: absolute as is, relative to the {@code jetty.base} system property (or the working directory). */
    static Path resolve(String configured)
    {
        Path path = Path.of(configured);
        if (path.isAbsolute())
            return path;
        String base = System.getProperty("jetty.base");
        return base == null ? path.toAbsolutePath() : Path.of(base).resolve(path);
    }

    public Path file()
    {
        return file;
    }

    /** How many times a changed file was applied. */
    public long applied()
    {
        return applied;
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        LOG.info("wsproxy: watching {} every {} for pool changes", file, config.poolsFileInterval());
        check();
        next = scheduler.schedule(this::tick, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = next;
        if (task != null)
            task.cancel();
        super.doStop();
    }

    private void tick()
    {
        if (!isRunning())
            return;
        try
        {
            check();
        }
        catch (Throwable x)
        {
            LOG.warn("wsproxy: checking {} failed", file, x);
        }
        if (isRunning())
            next = scheduler.schedule(this::tick, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Reads the file and applies it if its text changed. Synchronized: start and the scheduler never overlap. */
    synchronized void check()
    {
        String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
            reportedMissing = false;
        }
        catch (NoSuchFileException x)
        {
            if (!reportedMissing)
                LOG.info("wsproxy: {} does not exist; pools keep their backends", file);
            reportedMissing = true;
            return;
        }
        catch (IOException x)
        {
            LOG.warn("wsproxy: cannot read {}: {}", file, x.toString());
            return;
        }
        if (text.equals(lastText))
            return;
        lastText = text;
        Map<String, List<BackendConfig>> backends;
        try
        {
            backends = PoolsFile.parse(text, config);
        }
        catch (ConfigException x)
        {
            LOG.error("wsproxy: {} not applied, nothing changed: {}", file, x.getMessage());
            return;
        }
        PoolChanges.apply(pools, backends, file.getFileName().toString());
        applied++;
    }
}
