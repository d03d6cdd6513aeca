package dev.decode.runner.platform.errors;

import java.util.Locale;

/**
 * Query parameters read as text and parsed here: bound to a number type, a value that does not parse would be
 * answered 404 by JAX-RS's rule for query parameters, without saying which one was wrong.
 */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** The whole number {@code value} holds, {@code absent} when it is missing; 400 naming {@code name} otherwise. */
    public static int wholeNumber(String name, String value, int absent, int min, int max) {
        if (value == null) {
            return absent;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below, with the range
        }
        throw ProblemException.invalidRequest("The parameter '" + name + "' must be a whole number between " + min + " and " + max + ".");
    }

    /** {@code true} or {@code false} as {@code value} says, {@code absent} when it is missing; 400 naming {@code name} otherwise. */
    public static boolean flag(String name, String value, boolean absent) {
        if (value == null) {
            return absent;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ProblemException.invalidRequest("The parameter '" + name + "' must be true or false.");
        };
    }
}
