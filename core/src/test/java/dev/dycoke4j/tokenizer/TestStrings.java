package dev.dycoke4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** Deterministic, varied test strings for comparing tokenizers: hand-picked edge cases plus seeded random mixes. */
final class TestStrings {
    private TestStrings() {}

    /** Edge cases written out. */
    static final List<String> FIXED = List.of(
            "",
            " ",
            "a",
            "\n",
            "Hello world",
            "Hello world  ",
            "  leading and trailing  ",
            "line\nbreak\r\nwindows\rmac\n\n\nend\n",
            "tabs\tand\t\ttabs \t \t",
            "I'M here, they'Re there, WE'LL see, it'S fine, you'VE DONE it, he'D go, I'm, 'll",
            "'s 's 'S 'ſ 'ſx 'Ss ''' rock'n'roll O'Neil",
            "e\u0301 caf\u00e9 cafe\u0301 A\u030A \u212B \u2126 \u1100\u1161\u11A8 \u0915\u093C \uFB01",
            "\u00A0nbsp\u00A0 \u3000ideo\u3000 \u2028ls\u2029ps \u0085nel \u2009thin \u200Bzw \u180Emvs \u202F\u205F\u1680",
            "x \u00A0y", "x\u00A0 y", "x  \u3000 \n y", "a\u000B\u000Cb",
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            "<|im_sta <|im_end| |im_end|> <|endoftext <<|im_start|>> <|im_start|><|im_end|><|endoftext|>",
            "x<|endoftext|>y <think>a</think> <tool_call>{}</tool_call> <|vision_pad|> <image> <video>",
            "<|IM_START|> <|im_start |> < |im_end|>",
            "👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 👍🏻👍🏼👍🏽👍🏾👍🏿 🇯🇵🇺🇸 1️⃣ ❤️ 🫠",
            "中文测试，日本語のテスト。한국어 테스트！",
            "12345678901234567890123456789 3.14159 1,234,567.89 -0.5e-10 ٣٤٥ １２３ ²³ Ⅻ 0x1F",
            "for (int i = 0; i < n; i++) {\n\treturn x;\n}\n",
            "!!!???...---___===+++***",
            "a".repeat(3000),
            "ab".repeat(1500),
            "     \n     \n\t\t\t    ",
            "word" + " ".repeat(40) + "word",
            "\r\n\r\n\r\n",
            "nul\u0000 c0\u0001\u001F del\u007F shy\u00AD bom\uFEFF zwj\u200D wj\u2060 pua\uE000 \uFFFF K\u212A");

    /** {@code count} random strings from a fixed seed. */
    static List<String> random(long seed, int count) {
        Random r = new Random(seed);
        List<Function<Random, String>> kinds = List.of(
                TestStrings::words, TestStrings::cjk, TestStrings::emoji, TestStrings::combining, TestStrings::code,
                TestStrings::numbers, TestStrings::whitespace, TestStrings::contractions, TestStrings::punctuation,
                TestStrings::specials, TestStrings::scripts, TestStrings::longWord, TestStrings::codePoints);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder s = new StringBuilder();
            int parts = 1 + r.nextInt(6);
            for (int p = 0; p < parts; p++) {
                if (p > 0) {
                    s.append(switch (r.nextInt(4)) {
                        case 0 -> "";
                        case 1 -> whitespace(r);
                        default -> " ";
                    });
                }
                s.append(kinds.get(r.nextInt(kinds.size())).apply(r));
            }
            if (r.nextInt(10) == 0) {
                s.append(" ".repeat(1 + r.nextInt(3)));
            }
            out.add(s.toString());
        }
        return out;
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static String repeat(Random r, int max, Function<Random, String> part) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(max);
        for (int i = 0; i < n; i++) {
            s.append(part.apply(r));
        }
        return s.toString();
    }

    private static String range(Random r, int from, int to) {
        return Character.toString(from + r.nextInt(to - from + 1));
    }

    static String words(Random r) {
        return repeat(r, 8, x -> {
            String w = pick(x, "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "video", "what",
                    "happens", "in", "this", "tokenizer", "Hello", "World", "is", "a", "an", "of", "assistant",
                    "user", "Qwen", "LLaVA", "OneVision", "don", "internationalization", "x", "I");
            w = switch (x.nextInt(4)) {
                case 0 -> w.toUpperCase(java.util.Locale.ROOT);
                case 1 -> Character.toUpperCase(w.charAt(0)) + w.substring(1);
                default -> w;
            };
            return w + pick(x, " ", " ", " ", ", ", ". ", "-", "");
        });
    }

    static String cjk(Random r) {
        return repeat(r, 12, x -> switch (x.nextInt(6)) {
            case 0, 1 -> range(x, 0x4E00, 0x9FFF);
            case 2 -> range(x, 0x3041, 0x3096);
            case 3 -> range(x, 0x30A1, 0x30FA);
            case 4 -> range(x, 0xAC00, 0xD7A3);
            default -> pick(x, "，", "。", "！", "？", "「", "」", "、", "：", "（", "）");
        });
    }

    static String emoji(Random r) {
        return repeat(r, 4, x -> switch (x.nextInt(3)) {
            case 0 -> range(x, 0x1F300, 0x1F64F);
            case 1 -> range(x, 0x1F900, 0x1F9FF) + pick(x, "", "\uD83C\uDFFB", "\uD83C\uDFFD", "\uD83C\uDFFF");
            default -> pick(x, "👨‍👩‍👧‍👦", "👩🏽‍💻", "🏳️‍🌈", "🧑🏿‍🤝‍🧑🏻", "🇯🇵", "🇩🇪", "1️⃣", "#️⃣", "❤️", "✌🏾",
                    "👁️‍🗨️", "🫠", "☺", "⚡", "©️");
        });
    }

    static String combining(Random r) {
        return repeat(r, 5, x -> switch (x.nextInt(3)) {
            case 0 -> pick(x, "e\u0301", "A\u030A", "\u212B", "\u2126", "\u1100\u1161\u11A8", "o\u0308\u0304",
                    "\u0915\u093C", "n\u0303", "\uFB01", "\u0344", "\u0F73", "\u1E9B\u0323", "q\u0307\u0323",
                    "\u00C5", "\u0041\u0323\u0302", "\u0041\u0302\u0323", "\u1EA0\u0302", "\u0390", "\u3099\u304B");
            case 1 -> range(x, 'a', 'z') + range(x, 0x0300, 0x036F) + (x.nextBoolean() ? range(x, 0x0300, 0x036F) : "");
            default -> range(x, 0x0300, 0x036F);
        });
    }

    static String code(Random r) {
        return pick(r,
                "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
                "def f(x):\n    return x ** 2  # square\n",
                "<div class=\"a\">&nbsp;</div>",
                "SELECT * FROM t WHERE id='5' AND name <> \"x\";",
                "printf(\"%d\\n\", x);",
                "{\"key\": [1, 2, {\"nested\": null}], \"b\": true}",
                "if (a && b || !c) { x->y = z::w; }",
                "const re = /^[a-z]+\\d{2,}$/gi;",
                "https://example.com/path?q=a+b&x=%20#frag",
                "C:\\Users\\me\\file.txt ~/.bashrc",
                "    indented\n        more\n",
                "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
                "x=1;y=2\r\nz=x+y\r\n",
                "@Override\npublic String toString() { return \"\"; }");
    }

    static String numbers(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> {
                StringBuilder s = new StringBuilder();
                int n = 1 + r.nextInt(60);
                for (int i = 0; i < n; i++) {
                    s.append((char) ('0' + r.nextInt(10)));
                }
                yield s.toString();
            }
            case 1 -> String.format(java.util.Locale.ROOT, "%.6f", r.nextDouble() * 1e6);
            case 2 -> pick(r, "1,234,567.89", "-0.5e-10", "٣٤٥", "１２３", "²³", "Ⅻ", "0x1F", "2024-01-31", "½",
                    "१२३", "௧௨", "3rd", "100%", "$9.99", "€5", "12:30:45");
            default -> Long.toString(r.nextLong());
        };
    }

    static String whitespace(Random r) {
        return repeat(r, 8, x -> pick(x, " ", " ", "\t", "\n", "\r\n", "\r", "\u00A0", "\u3000", "\u2028",
                "\u2029", "\u0085", "\u2009", "\u200B", "\u180E", "\u000B", "\u000C", "\u202F", "\u205F", "\u1680"));
    }

    static String contractions(Random r) {
        return repeat(r, 4, x -> pick(x, "I'M", "they'Re", "DON'T", "we'LL", "you'VE", "it'S", "he'D", "'s", "'S",
                "'ſ", "''", "'re'", "rock'n'roll", "O'Neil", "I'm", "can't", "'LL", "'d", "'ve", "'t", " 's", "'M")
                + pick(x, "", " ", "x"));
    }

    static String punctuation(Random r) {
        String chars = "!?.,;:-_=+*/\\|@#$%^&()[]{}<>~`\"'…—–«»‹›¿¡§¶•※";
        return repeat(r, 10, x -> {
            int cp = chars.codePointAt(chars.offsetByCodePoints(0, x.nextInt(chars.codePointCount(0, chars.length()))));
            return Character.toString(cp);
        });
    }

    static String specials(Random r) {
        return pick(r, "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_sta", "<|im_end|", "|im_end|>",
                "<|endoftext", "<<|im_start|>>", "<think>", "</think>", "<tool_call>", "<|vision_pad|>", "<image>",
                "<video>", "<|IM_START|>", "<|im_start|>user\n", "<|", "|>", "<|<|im_end|>|>");
    }

    static String scripts(Random r) {
        return pick(r, "مرحبا بالعالم", "שלום עולם", "Привет, мир!", "Καλημέρα κόσμε", "สวัสดีครับ", "नमस्ते दुनिया",
                "გამარჯობა", "Բարեւ", "வணக்கம்", "Tiếng Việt có dấu", "İstanbul ılık ılgın", "Straße Maß",
                "à l'école, où ça?", "ÆØÅ æøå", "Ελληνικά ΣΊΣΥΦΟΣ", "ქართული", "ꯃꯤꯇꯩ", "ᚠᚢᚦᚨᚱᚲ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                "𝐛𝐨𝐥𝐝", "ﬀﬁﬂ", "Ǆǅǆ", "ʻOkina");
    }

    static String longWord(Random r) {
        int n = 100 + r.nextInt(2000);
        StringBuilder s = new StringBuilder(n);
        boolean same = r.nextBoolean();
        char c = (char) ('a' + r.nextInt(26));
        for (int i = 0; i < n; i++) {
            s.append(same ? c : (char) ('a' + r.nextInt(26)));
        }
        return s.toString();
    }

    static String codePoints(Random r) {
        int[][] blocks = {{0x00A1, 0x024F}, {0x0370, 0x03FF}, {0x0400, 0x04FF}, {0x0590, 0x06FF}, {0x2000, 0x206F},
            {0x2190, 0x22FF}, {0x2500, 0x257F}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1F5FF},
            {0x1D400, 0x1D7FF}, {0xFF00, 0xFFEF}, {0x0E00, 0x0E7F}, {0x0900, 0x097F}, {0x0020, 0x007E}};
        return repeat(r, 12, x -> {
            int[] b = blocks[x.nextInt(blocks.length)];
            int cp;
            do {
                cp = b[0] + x.nextInt(b[1] - b[0] + 1);
            } while (!Character.isDefined(cp) || Character.getType(cp) == Character.UNASSIGNED);
            return Character.toString(cp);
        });
    }
}
