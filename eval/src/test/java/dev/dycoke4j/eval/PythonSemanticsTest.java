package dev.dycoke4j.eval;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Python behaviours the tasks rely on, against values CPython 3.11 gives. */
class PythonSemanticsTest {
    @Test
    void stripRemovesWhatPythonCallsWhitespaceOnly() {
        assertEquals("B", PyStr.strip("\u00a0\u2007\u202f\u3000\u001c B \u2028\u0085"));
        assertEquals("\u200bB\ufeff", PyStr.strip(" \u200bB\ufeff "));
        assertEquals(List.of("a", "b"), PyStr.split("a\u00a0b"));
    }

    @Test
    void capitalizeUsesFullTitleCaseAndLowersTheRest() {
        assertEquals("Ss", PyStr.capitalize("\u00df"));
        assertEquals("\u01c5", PyStr.capitalize("\u01c6"));
        assertEquals("Fi", PyStr.capitalize("\ufb01"));
        assertEquals("i\u0307", PyStr.capitalize("x\u0130").substring(1));
        assertEquals(" iphone usa", PyStr.capitalize(" iPhone USA"));
        // CPython's final sigma: a quote or a format character after it is not a cased letter
        assertEquals("\u03a3\u03b1\u03c2\"i\u0307?", PyStr.capitalize("\u03a3\u0391\u03a3\"\u0130?"));
        assertEquals("\u03c3\u03c2\ufeff1", PyStr.lower("\u03a3\u03a3\ufeff1"));
    }

    @Test
    void reprOfAListOfStringsPicksQuotesAndEscapesAsPython() {
        assertEquals("['A. x', \"B. it's\", 'C. it\\'s \"q\"', 'D. a\\\\b']",
                PyRepr.repr(List.of("A. x", "B. it's", "C. it's \"q\"", "D. a\\b")));
        assertEquals("'\\n\\t\\xa0\\u200b\\x07 \u00e9\u6771'", PyRepr.reprStr("\n\t\u00a0\u200b\u0007 \u00e9\u6771"));
        assertEquals("1e+16", PyRepr.reprFloat(1e16));
        assertEquals("1e-05", PyRepr.reprFloat(0.00001));
        assertEquals("0.0001", PyRepr.reprFloat(0.0001));
        assertEquals("4.0", PyRepr.reprFloat(4.0));
        assertEquals("0.30000000000000004", PyRepr.reprFloat(0.1 + 0.2));
    }

    @Test
    void randomSeededWithZeroDrawsAsCPython() {
        PyRandom r = new PyRandom(0);
        assertEquals(3626764237L, r.getrandbits(32));
        assertEquals(1654615998L, r.getrandbits(32));
        assertEquals("B", new PyRandom(0).choice(List.of("A", "B")));
        assertEquals("B", new PyRandom(0).choice(List.of("A", "B", "C")));
        assertEquals("D", new PyRandom(0).choice(List.of("A", "B", "C", "D")));
        assertEquals("D", new PyRandom(0).choice(List.of("A", "B", "C", "D", "E")));
    }

    @Test
    void literalEvalAcceptsPythonLiteralsOnly() {
        assertEquals(Map.of("pred", "yes", "score", BigInteger.valueOf(4)), PyLiteral.literalEval("{'pred': 'yes', 'score': 4}"));
        assertEquals(BigInteger.valueOf(4), PyLiteral.literalEval("0x4"));
        assertEquals(BigInteger.valueOf(40), PyLiteral.literalEval("4_0"));
        assertEquals(Double.POSITIVE_INFINITY, PyLiteral.literalEval("1e999"));
        assertEquals("ab", PyLiteral.literalEval("'a' \"b\"  # two parts"));
        assertEquals(Map.of("score", "4\\n", "x", new PyLiteral.Bytes("4")), PyLiteral.literalEval("{'score': r'4\\n', 'x': b'4'}"));
        assertEquals(Boolean.TRUE, PyLiteral.literalEval("True"));
        assertThrows(PyError.class, () -> PyLiteral.literalEval("true"));
        assertThrows(PyError.class, () -> PyLiteral.literalEval("{'score': 4} trailing"));
        assertThrows(PyError.class, () -> PyLiteral.literalEval("```{'score': 4}```"));
        assertThrows(PyError.class, () -> PyLiteral.literalEval("04"));
    }

    @Test
    void floatAndIntConvertAsPython() {
        assertEquals(4.0, PyNum.toFloat(" 4 "));
        assertEquals(4.0, PyNum.toFloat("\u0664"));
        assertEquals(40.0, PyNum.toFloat("4_0"));
        assertEquals(Double.NEGATIVE_INFINITY, PyNum.toFloat("-Infinity"));
        assertEquals(BigInteger.valueOf(4), PyNum.toInt(4.8));
        assertEquals(BigInteger.valueOf(4), PyNum.toInt(new PyLiteral.Bytes(" 4 ")));
        assertEquals(4.5, PyNum.toFloat(new PyLiteral.Bytes("4.5")));
        assertEquals(BigInteger.ZERO, PyNum.toInt(-0.5));
        assertEquals("ValueError", assertThrows(PyError.class, () -> PyNum.toInt("3.5")).type());
        assertEquals("OverflowError", assertThrows(PyError.class, () -> PyNum.toInt(Double.POSITIVE_INFINITY)).type());
        assertEquals(0.12345, PyNum.round(0.123455, 5)); // the binary value is just below the half
        assertEquals(0.5, PyNum.round(0.499999999, 5));
    }

    @Test
    void dumpsWritesTheJudgePayloadAsPythonsJsonDumps() {
        Map<String, Object> payload = Kwargs.of("model", "m", "n", BigInteger.ZERO, "t", "caf\u00e9\n\"\u007f\ud83c\udf5c", "f", 4.0, "l", List.of(1e16, 0.1));
        assertEquals("{\"model\": \"m\", \"n\": 0, \"t\": \"caf\\u00e9\\n\\\"\\u007f\\ud83c\\udf5c\", \"f\": 4.0, \"l\": [1e+16, 0.1]}",
                PyJson.dumps(payload));
    }

    @Test
    void setOrderOfSmallIntsFollowsCPythonsTable() {
        assertEquals(List.of(0, 1, 2, 3), PySetOrder.order(List.of(3, 1, 2, 0, 3)));
        // 5 entries grow the table to 32 slots: 33 lands in slot 1
        assertEquals(List.of(0, 33, 2, 3, 4), PySetOrder.order(List.of(0, 33, 2, 3, 4)));
    }
}
