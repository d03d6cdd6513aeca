package dev.decode.runner.platform;

/**
 * A fixed set of monitors, one picked per key by its hash. Synchronizing on it serializes work per key (and, now and
 * then, between two keys that share a monitor) in constant memory, where a map holding one monitor per key would keep
 * one for every user ever seen. Never hold two of them at once: two keys may share one, or take them in either order.
 */
public final class StripedMonitors {

    private final Object[] monitors;

    public StripedMonitors(int stripes) {
        monitors = new Object[stripes];
        for (int i = 0; i < stripes; i++) {
            monitors[i] = new Object();
        }
    }

    public Object of(String key) {
        return monitors[Math.floorMod(key.hashCode(), monitors.length)];
    }
}
