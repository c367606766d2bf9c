package org.wsproxy.server;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** On this JVM's own flags: narrowed for the idle GC's full GC, then put back. */
public class HeapFreeRatiosTest
{
    private final HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    @Test
    public void narrowsForOneGcThenPutsTheJvmsValuesBack()
    {
        String min = option("MinHeapFreeRatio");
        String max = option("MaxHeapFreeRatio");
        // The test JVM runs with the JVM's defaults, wider than the idle GC's.
        assertEquals("40", min);
        assertEquals("70", max);
        try (HeapFreeRatios narrowed = HeapFreeRatios.narrow(10, 20))
        {
            assertEquals("10", option("MinHeapFreeRatio"));
            assertEquals("20", option("MaxHeapFreeRatio"));
        }
        assertEquals(min, option("MinHeapFreeRatio"));
        assertEquals(max, option("MaxHeapFreeRatio"));
    }

    @Test
    public void leavesRatiosAloneWhenAlreadyThatNarrow()
    {
        try (HeapFreeRatios first = HeapFreeRatios.narrow(10, 20))
        {
            try (HeapFreeRatios second = HeapFreeRatios.narrow(15, 25))
            {
                assertEquals("10", option("MinHeapFreeRatio"));
                assertEquals("20", option("MaxHeapFreeRatio"));
            }
            // The inner one changed nothing, so it put nothing back over the outer one's values.
            assertEquals("20", option("MaxHeapFreeRatio"));
        }
        assertEquals("70", option("MaxHeapFreeRatio"));
    }

    private String option(String name)
    {
        return vm.getVMOption(name).getValue();
    }
}
