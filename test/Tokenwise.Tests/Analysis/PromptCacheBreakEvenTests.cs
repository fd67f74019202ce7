using System.Text;
using Tokenwise.Analysis;
using Tokenwise.Pricing;
using Tokenwise.Storage;

namespace Tokenwise.Tests.Analysis;

public sealed class PromptCacheBreakEvenTests
{
    private static readonly DateTimeOffset s_nine = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    // A model with Anthropic-like cache prices: writes at 1.25 times the input price, reads at a tenth.
    private static readonly PriceCatalog s_catalog = PriceCatalog.Embedded.With(LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes("""
        {"cached-model": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 5e-6,
          "cache_read_input_token_cost": 1e-7, "cache_creation_input_token_cost": 1.25e-6},
         "uncached-model": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}
        """))));

    private static async IAsyncEnumerable<LoggedRequest> Requests(params LoggedRequest[] requests)
    {
        foreach (var request in requests)
        {
            await Task.Yield();
            yield return request;
        }
    }

    private static LoggedRequest Anthropic(double minutes, string system, string user = "hi", long cached = 0) => new(s_nine.AddMinutes(minutes), "anthropic", "cached-model",
        $$$"""{"model":"x","max_tokens":10,"system":"{{{system}}}","tools":[{"name":"lookup","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"{{{user}}}"}]}""", cached);

    [Fact]
    public async Task ACallWithinTheTtlOfTheLastUseReadsThePrefixAndAGapLongerWritesItAgain()
    {
        var rows = await PromptCacheBreakEven.OfAsync(Requests(
            Anthropic(0, "You answer for ACME.", "one"), Anthropic(3, "You answer for ACME.", "two"), Anthropic(7, "You answer for ACME.", "three", cached: 5),
            Anthropic(20, "You answer for ACME.", "four"), // 13 minutes after the last use: written again
            Anthropic(21, "Another assistant.")), s_catalog, top: 10, TestContext.Current.CancellationToken);

        var acme = rows.Single(r => r.Prefix == "You answer for ACME.");
        Assert.Equal((4, 2, 2, false), (acme.Uses, acme.Writes, acme.Reads, acme.Cacheable));
        Assert.Equal(4 * acme.PrefixTokens * 1e-6m, acme.UncachedUsd);
        Assert.Equal(acme.PrefixTokens * (2 * 1.25e-6m + 2 * 1e-7m), acme.CachedUsd);
        Assert.Equal(Math.Round(5.0 / (4 * acme.PrefixTokens), 3), acme.AlreadyCachedShare);
        Assert.Equal((1, 1, 0), (rows.Single(r => r.Prefix == "Another assistant.").Uses, rows[1].Writes, rows[1].Reads));
        Assert.True(rows[0].SavingUsd >= rows[1].SavingUsd);
    }

    [Fact]
    public async Task OpenAIsPrefixIsItsLeadingSystemAndDeveloperMessagesAndToolsAndCallsWithoutOneOrACachePriceAreLeftOut()
    {
        LoggedRequest OpenAI(string model, string messages) => new(s_nine, "openai", model, $$"""{"model":"x","messages":[{{messages}}]}""", 0);
        var rows = await PromptCacheBreakEven.OfAsync(Requests(
            OpenAI("cached-model", """{"role":"system","content":"Rules."},{"role":"developer","content":[{"type":"text","text":"More rules."}]},{"role":"user","content":"a"}"""),
            OpenAI("cached-model", """{"role":"system","content":"Rules."},{"role":"developer","content":[{"type":"text","text":"More rules."}]},{"role":"user","content":"b"}"""),
            OpenAI("cached-model", """{"role":"user","content":"no system prompt"}"""),
            OpenAI("uncached-model", """{"role":"system","content":"Rules."}"""),
            new LoggedRequest(s_nine, "openai", "cached-model", "not json", 0)), s_catalog, top: 10, TestContext.Current.CancellationToken);

        var row = Assert.Single(rows);
        Assert.Equal(("cached-model", "Rules.", 2, 1, 1), (row.Model, row.Prefix, row.Uses, row.Writes, row.Reads));
    }
}
