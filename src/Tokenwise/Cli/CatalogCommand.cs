using System.CommandLine;
using Tokenwise.Pricing;

namespace Tokenwise.Cli;

/// <summary>
/// <c>tokenwise catalog build</c>: makes the shipped price catalog from LiteLLM's file, keeping the
/// models Tokenwise meters and the fields it prices with. Reproducible: same input, same bytes.
/// </summary>
internal static class CatalogCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "LiteLLM's model_prices_and_context_window.json.", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the catalog.", Required = true };
        var build = new Command("build", "Build the shipped price catalog from LiteLLM's file.") { source, output };
        build.SetAction(parse =>
        {
            PriceCatalog catalog;
            try
            {
                using var input = File.OpenRead(parse.GetValue(source)!);
                catalog = LiteLlmCatalogFormat.Read(input);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException)
            {
                Console.Error.WriteLine($"Cannot read the catalog '{parse.GetValue(source)}': {e.Message}");
                return 2;
            }

            var kept = catalog.WithSnapshotSearchPrices().Entries.Where(p => p.Mode is not null && LiteLlmCatalogFormat.MeteredModes.Contains(p.Mode)).ToList();
            using (var file = File.Create(parse.GetValue(output)!))
            {
                LiteLlmCatalogFormat.Write(kept, file);
            }

            Console.WriteLine($"Wrote {kept.Count} of {catalog.Count} models to {parse.GetValue(output)}.");
            return 0;
        });
        return new Command("catalog", "The price catalog.") { build };
    }
}
