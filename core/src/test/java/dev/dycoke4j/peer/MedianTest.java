package dev.dycoke4j.peer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class MedianTest {
    @Test
    void middleValueOrMeanOfTheTwoMiddleOnes() {
        double[] odd = {5, 1, 3};
        assertEquals(3, Median.of(odd));
        assertArrayEquals(new double[]{5, 1, 3}, odd, "the input is left unsorted");
        assertEquals(2.5, Median.of(new double[]{4, 1, 2, 3}));
        assertEquals(7, Median.of(new double[]{7}));
        assertEquals(Double.NaN, Median.of(new double[0]));
    }
}
