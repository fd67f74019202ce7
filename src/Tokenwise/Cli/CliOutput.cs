using System.Globalization;
using Spectre.Console;
using Tokenwise.Data;

namespace Tokenwise.Cli;

/// <summary>Writes rows the way every command does: a table for people, JSON or CSV for programs.</summary>
internal static class CliOutput
{
    /// <param name="json">The same rows as JSON (the admin API's shape), written for <see cref="OutputFormat.Json"/>.</param>
    /// <param name="rows">Cells as values: numbers are grouped and right-aligned in a table, plain in CSV.</param>
    /// <param name="total">A last bold row of totals, for tables with more than one row.</param>
    /// <param name="csvColumns">The CSV header: the JSON field names.</param>
    public static void Write(OutputFormat format, string json, string[] columns, string[] csvColumns, IEnumerable<object?[]> rows, object?[]? total = null)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (format)
        {
            case OutputFormat.Json:
                Console.WriteLine(json);
                break;
            case OutputFormat.Csv:
                Console.WriteLine(string.Join(',', csvColumns.Select(Csv.Field)));
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Join(',', row.Select(v => Csv.Field(Convert.ToString(v, inv) ?? ""))));
                }

                break;
            default:
                var table = new Table().AddColumns(columns);
                var count = 0;
                foreach (var row in rows)
                {
                    if (count++ == 0)
                    {
                        for (var c = 0; c < row.Length; c++)
                        {
                            if (row[c] is long or int or decimal)
                            {
                                table.Columns[c].RightAligned();
                            }
                        }
                    }

                    table.AddRow(row.Select(v => Markup.Escape(Cell(v))).ToArray());
                }

                if (total is not null && count > 1)
                {
                    table.AddRow(total.Select(v => $"[bold]{Markup.Escape(Cell(v))}[/]").ToArray());
                }

                AnsiConsole.Write(table);
                break;
        }
    }

    /// <summary>Writes why a command cannot run to stderr; returns exit code 2 (bad arguments, configuration or input).</summary>
    public static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return 2;
    }

    /// <summary>A table cell: counts grouped by thousands, dollars to the micro-dollar.</summary>
    private static string Cell(object? value) => value switch
    {
        long n => n.ToString("N0", CultureInfo.InvariantCulture),
        int n => n.ToString("N0", CultureInfo.InvariantCulture),
        decimal usd => usd.ToString("0.000000", CultureInfo.InvariantCulture),
        null => "",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
