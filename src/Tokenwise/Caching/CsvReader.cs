using System.Text;

namespace Tokenwise.Caching;

/// <summary>RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.</summary>
internal static class CsvReader
{
    public static IEnumerable<string[]> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        field.Append('"');
                        reader.Read();
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append((char)c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }

                fields.Add(field.ToString());
                field.Clear();
                yield return [.. fields];
                fields.Clear();
                any = false;
            }
            else
            {
                field.Append((char)c);
            }
        }

        if (any)
        {
            fields.Add(field.ToString());
            yield return [.. fields];
        }
    }

    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>The rows under a header that must name <paramref name="columns"/>; returns the cells in that column order.</summary>
    public static List<string[]> ReadFile(string path, params string[] columns)
    {
        using var file = File.OpenText(path);
        using var rows = Read(file).GetEnumerator();
        if (!rows.MoveNext())
        {
            throw new FormatException($"'{path}' is empty.");
        }

        var header = rows.Current.Select(h => h.Trim()).ToList();
        var positions = columns.Select(c => header.IndexOf(c)).ToArray();
        var missing = columns.Where((_, i) => positions[i] < 0).ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"'{path}' has no column {string.Join(", ", missing)} (expected {string.Join(",", columns)}).");
        }

        var result = new List<string[]>();
        while (rows.MoveNext())
        {
            var row = rows.Current;
            if (row.Length == 1 && row[0].Length == 0)
            {
                continue;
            }

            result.Add(positions.Select(p => p < row.Length ? row[p] : "").ToArray());
        }

        return result;
    }
}
