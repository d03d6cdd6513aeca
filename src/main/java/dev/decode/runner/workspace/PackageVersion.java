package dev.decode.runner.workspace;

import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dbt package version as the hub and dbt's own semver module spell it ({@code 1.3.3}, {@code 1.0.0-rc1}), ordered
 * the way dbt orders them: by major, minor and patch, a pre-release before its release.
 */
record PackageVersion(int major, int minor, int patch, String prerelease) implements Comparable<PackageVersion> {

    private static final String NUMBER = "(0|[1-9]\\d{0,8})";
    private static final String IDENTIFIER = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
    /** dbt_common.semver's pattern: an optional matcher, then the version; a build suffix is read and ignored, as there. */
    private static final Pattern SPECIFIER = Pattern.compile("(>=|>|<=|<|=)?" + NUMBER + "\\." + NUMBER + "\\." + NUMBER
            + "(?:-?(" + IDENTIFIER + "(?:\\." + IDENTIFIER + ")*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?");

    /** One bound of a version range, such as {@code >=1.0.0}; a bare version is an exact pin. */
    record Specifier(String matcher, PackageVersion version) {

        static Optional<Specifier> parse(String text) {
            Matcher m = SPECIFIER.matcher(text.strip());
            if (!m.matches()) {
                return Optional.empty();
            }
            PackageVersion version = new PackageVersion(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), m.group(5));
            return Optional.of(new Specifier(m.group(1) == null ? "=" : m.group(1), version));
        }

        boolean admits(PackageVersion candidate) {
            int order = candidate.compareTo(version);
            return switch (matcher) {
                case ">=" -> order >= 0;
                case ">" -> order > 0;
                case "<=" -> order <= 0;
                // As in dbt: "<2.0.0" does not let in 2.0.0's own pre-releases.
                case "<" -> order < 0 && (version.prerelease != null || !candidate.sameRelease(version));
                default -> order == 0;
            };
        }

        @Override
        public String toString() {
            return ("=".equals(matcher) ? "" : matcher) + version;
        }
    }

    /** A version alone, without a matcher: the name of an offered version's folder. */
    static Optional<PackageVersion> parse(String text) {
        return text.isEmpty() || !Character.isDigit(text.charAt(0)) ? Optional.empty() : Specifier.parse(text).map(Specifier::version);
    }

    boolean isPrerelease() {
        return prerelease != null;
    }

    private boolean sameRelease(PackageVersion other) {
        return major == other.major && minor == other.minor && patch == other.patch;
    }

    @Override
    public int compareTo(PackageVersion other) {
        int order = Integer.compare(major, other.major);
        order = order != 0 ? order : Integer.compare(minor, other.minor);
        order = order != 0 ? order : Integer.compare(patch, other.patch);
        if (order != 0 || (prerelease == null && other.prerelease == null)) {
            return order;
        }
        if (prerelease == null || other.prerelease == null) {
            return prerelease == null ? 1 : -1;
        }
        return comparePrerelease(prerelease, other.prerelease);
    }

    /** Dot-separated identifiers left to right: numbers by value and before words, a shorter list first. */
    private static int comparePrerelease(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.min(left.length, right.length); i++) {
            boolean leftNumber = left[i].chars().allMatch(Character::isDigit);
            boolean rightNumber = right[i].chars().allMatch(Character::isDigit);
            int order = leftNumber && rightNumber ? new BigInteger(left[i]).compareTo(new BigInteger(right[i]))
                    : leftNumber != rightNumber ? (leftNumber ? -1 : 1) : left[i].compareTo(right[i]);
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(left.length, right.length);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (prerelease == null ? "" : "-" + prerelease);
    }
}
