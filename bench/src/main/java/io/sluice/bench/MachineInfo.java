package io.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What the report says about the machine and the JDK. */
final class MachineInfo {

    private MachineInfo() {
    }

    /** CPU model, cores, memory and OS, e.g. {@code Intel Xeon ..., 2 cores, 23.5 GiB, Linux 6.1}. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            cpu = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // not Linux: the model stays unknown
        }
        String memory = "";
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = String.format(Locale.ROOT, ", %.1f GiB", os.getTotalMemorySize() / (1024.0 * 1024 * 1024));
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores" + memory + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** The JDK: vendor, VM and version. */
    static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vendor") + ")";
    }

    /** The 1-minute load average, or -1 when unknown: how busy the shared machine was. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
