namespace Tokenwise.Sensitivity;

/// <summary>The check-digit algorithms that separate real identifiers from look-alike numbers.</summary>
public static class Checksums
{
    /// <summary>Luhn (ISO/IEC 7812) over the digits of <paramref name="digits"/>.</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9)
            {
                return false;
            }

            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return digits.Length > 0 && sum % 10 == 0;
    }

    /// <summary>ISO 13616: move the first four characters to the end, letters to 10..35, the number mod 97 must be 1.</summary>
    public static bool Iban(ReadOnlySpan<char> iban)
    {
        if (iban.Length is < 15 or > 34)
        {
            return false;
        }

        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length];
            if (char.IsAsciiDigit(c))
            {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    private const string DniLetters = "TRWAGMYFPDXBNJZSQVHLCKE";

    /// <summary>Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23.</summary>
    public static bool SpanishId(ReadOnlySpan<char> id)
    {
        if (id.Length != 9)
        {
            return false;
        }

        var prefix = id[0] switch { 'X' => 0, 'Y' => 1, 'Z' => 2, _ => -1 };
        long number = prefix >= 0 ? prefix : 0;
        for (var i = prefix >= 0 ? 1 : 0; i < 8; i++)
        {
            if (!char.IsAsciiDigit(id[i]))
            {
                return false;
            }

            number = number * 10 + (id[i] - '0');
        }

        return DniLetters[(int)(number % 23)] == id[8];
    }

    /// <summary>French NIR (13 characters + 2-digit key): key = 97 − (number mod 97), Corsica's 2A/2B read as 19/18.</summary>
    public static bool FrenchNir(ReadOnlySpan<char> nir)
    {
        if (nir.Length != 15)
        {
            return false;
        }

        long number = 0;
        for (var i = 0; i < 13; i++)
        {
            var c = nir[i];
            int d;
            if (i == 6 && nir[5] == '2' && c is 'A' or 'B')
            {
                // 2A → 19, 2B → 18: replace the department "2X" by its number.
                number = number / 10 * 100 + (c == 'A' ? 19 : 18);
                continue;
            }

            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            d = c - '0';
            number = number * 10 + d;
        }

        return char.IsAsciiDigit(nir[13]) && char.IsAsciiDigit(nir[14]) && 97 - number % 97 == (nir[13] - '0') * 10 + (nir[14] - '0');
    }

    /// <summary>Shannon entropy in bits per character of the character distribution within <paramref name="text"/>.</summary>
    public static double Entropy(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        Span<int> counts = stackalloc int[128];
        counts.Clear();
        var other = 0;
        foreach (var c in text)
        {
            if (c < 128)
            {
                counts[c]++;
            }
            else
            {
                other++;
            }
        }

        double entropy = 0;
        foreach (var n in counts)
        {
            if (n > 0)
            {
                var p = (double)n / text.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        if (other > 0)
        {
            var p = (double)other / text.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy;
    }
}
