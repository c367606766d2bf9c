package org.wsproxy.server;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old generation's free-space ratios after a full GC ({@code MinHeapFreeRatio}, {@code MaxHeapFreeRatio}, both
 * writable at run time), narrowed for one full GC and put back when closed.
 * <p>Why two settings: under load the Serial collector runs a full GC each time the old generation had to grow, and
 * with little free space left after each (10%) a growing live set costs a full GC per few MiB (benchmark (d): 22 full
 * GCs against 5 with the JVM's 40-70%). When the proxy has gone quiet the opposite is wanted: the old generation cut
 * down to what is live, so the memory goes back to the system.</p>
 */
final class HeapFreeRatios implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HeapFreeRatios.class);
    private static final String MIN = "MinHeapFreeRatio";
    private static final String MAX = "MaxHeapFreeRatio";

    private final HotSpotDiagnosticMXBean vm;
    private final String min;
    private final String max;

    private HeapFreeRatios(HotSpotDiagnosticMXBean vm, String min, String max)
    {
        this.vm = vm;
        this.min = min;
        this.max = max;
    }

    /**
     * Sets the ratios to {@code min}-{@code max} % unless they are that narrow already.
     *
     * @return what puts the previous values back; does nothing where they could not be read or set
     */
    static HeapFreeRatios narrow(int min, int max)
    {
        try
        {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            String oldMin = vm.getVMOption(MIN).getValue();
            String oldMax = vm.getVMOption(MAX).getValue();
            if (Integer.parseInt(oldMax) <= max)
                return new HeapFreeRatios(null, null, null);
            // The JVM refuses a minimum above the maximum at every step: lower the minimum first, raise it last.
            if (Integer.parseInt(oldMin) > min)
                vm.setVMOption(MIN, Integer.toString(min));
            vm.setVMOption(MAX, Integer.toString(max));
            return new HeapFreeRatios(vm, oldMin, oldMax);
        }
        catch (RuntimeException x)
        {
            LOG.debug("heap free ratios left as they are: {}", x.toString());
            return new HeapFreeRatios(null, null, null);
        }
    }

    @Override
    public void close()
    {
        if (vm == null)
            return;
        try
        {
            vm.setVMOption(MAX, max);
            vm.setVMOption(MIN, min);
        }
        catch (RuntimeException x)
        {
            LOG.warn("wsproxy: the heap free ratios could not be put back to {}-{}%: {}", min, max, x.toString());
        }
    }
}
