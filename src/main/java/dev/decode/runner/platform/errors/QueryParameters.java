package dev.decode.runner.platform.errors;

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
}
