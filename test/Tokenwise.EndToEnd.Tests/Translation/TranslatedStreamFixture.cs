using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Translation;

/// <summary>
/// A fake upstream of each dialect (OpenAI, Anthropic, Gemini) and two gateways that reach all three:
/// <see cref="Patient"/>, whose timeouts a loaded machine never hits, so only the test (holding or
/// leaving a stream) decides when a stream ends; and <see cref="Impatient"/>, whose 2 s stream idle
/// timeout ends a stalled stream quickly. Tests use cues and distinct prompts, so they do not interfere.
/// </summary>
public sealed class TranslatedStreamFixture : IAsyncLifetime
{
    public FakeUpstream OpenAI { get; private set; } = null!;
    public FakeAnthropicUpstream Anthropic { get; private set; } = null!;
    public FakeGeminiUpstream Gemini { get; private set; } = null!;
    public TestGateway Patient { get; private set; } = null!;
    public TestGateway Impatient { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        OpenAI = await FakeUpstream.StartAsync();
        Anthropic = await FakeAnthropicUpstream.StartAsync();
        Gemini = await FakeGeminiUpstream.StartAsync();
        Patient = await StartGatewayAsync(idleSeconds: 30);
        Impatient = await StartGatewayAsync(idleSeconds: 2);
    }

    public async ValueTask DisposeAsync()
    {
        await Impatient.DisposeAsync();
        await Patient.DisposeAsync();
        await Gemini.DisposeAsync();
        await Anthropic.DisposeAsync();
        await OpenAI.DisposeAsync();
    }

    private Task<TestGateway> StartGatewayAsync(int idleSeconds) => TestGateway.StartAsync(OpenAI, Anthropic, new Dictionary<string, string?>
    {
        ["providers:gemini:type"] = "gemini",
        ["providers:gemini:base_url"] = Gemini.BaseUrl.ToString(),
        ["providers:gemini:api_key"] = FakeGeminiUpstream.ApiKey,
        ["upstream:stream_idle_timeout_seconds"] = idleSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["upstream:first_byte_timeout_seconds"] = "30",
        // Every request must reach its upstream: a cached answer would replay without one.
        ["cache:mode"] = "off",
    });
}
