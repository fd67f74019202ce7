using System.Globalization;
using System.Text;

namespace Tokenwise.Data;

/// <summary>
/// A small RFC 4180 reader and writer: quoted fields may hold commas, doubled quotes and line breaks
/// (the routing and cache data sets' prompts do). Enough for the evaluation files; not a general CSV library.
/// </summary>
public static class Csv
{
    /// <summary>Reads every record; the first is the header.</summary>
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
                        reader.Read();
                        field.Append('"');
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

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return fields.ToArray();
                    fields.Clear();
                    any = false;
                    break;
                default:
                    field.Append((char)c);
                    break;
            }
        }

        if (any)
        {
            fields.Add(field.ToString());
            yield return fields.ToArray();
        }
    }

    /// <summary>Reads a file with a header into dictionaries keyed by column name.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, string>> ReadRecords(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        string[]? header = null;
        foreach (var record in Read(reader))
        {
            if (header is null)
            {
                header = record;
                continue;
            }

            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length && i < record.Length; i++)
            {
                row[header[i]] = record[i];
            }

            yield return row;
        }
    }

    /// <summary>The rows under a header that must name <paramref name="columns"/>; the cells in that column order.</summary>
    /// <exception cref="FormatException">The file is empty or lacks a column.</exception>
    public static List<string[]> ReadColumns(string path, params string[] columns)
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

    /// <summary>Writes a header and rows, one record a line (LF), values in the invariant culture: the CLI's and the admin API's CSV.</summary>
    public static void Write(TextWriter writer, IEnumerable<string> header, IEnumerable<IEnumerable<object?>> rows)
    {
        WriteRecord(writer, header);
        foreach (var row in rows)
        {
            WriteRecord(writer, row.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""));
        }
    }

    private static void WriteRecord(TextWriter writer, IEnumerable<string> fields)
    {
        writer.Write(string.Join(',', fields.Select(Field)));
        writer.Write('\n');
    }

    /// <summary>A value as one CSV field: quoted when it holds a comma, quote or line break.</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
