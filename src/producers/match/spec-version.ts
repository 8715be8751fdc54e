/**
 * The spec version the producers write (notes §1.4, upstream `SPEC_VERSION = "0.1.1"`). A copy of
 * the dialect's constant: producers may import only types from dialects (test/architecture.test.ts);
 * test/producers checks the two stay equal.
 */
export const PRODUCER_SPEC_VERSION = '0.1.1';
