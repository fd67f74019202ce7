using System.Text;
using Tokenwise.Anthropic;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Routing.Routes;
using Tokenwise.Sensitivity;
using Tokenwise.Streams;
using static Tokenwise.Tests.Routing.Routes.RouteFixtures;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class SensitiveRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ARequestIsRedactedInItsTextButNotInIdsRolesOrImageBytes()
    {
        var request = Chat("""
            {"model":"r","user":"ann@example.com","messages":[
              {"role":"user","content":[{"type":"text","text":"Mail ann@example.com about card 4111 1111 1111 1111"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}]},
              {"role":"assistant","tool_calls":[{"id":"call_AbCdEf0123456789XyZ","type":"function","function":{"name":"send","arguments":"{\"to\":\"ann@example.com\"}"}}]},
              {"role":"tool","tool_call_id":"call_AbCdEf0123456789XyZ","content":"sent to ann@example.com"}]}
            """);

        var redacted = JsonRedaction.Redact(request, out var redaction)!;
        var body = Encoding.UTF8.GetString(redacted.Body.Span);

        Assert.DoesNotContain("4111", body, StringComparison.Ordinal);
        Assert.Equal(3, body.Split("[EMAIL_1]").Length - 1); // the text, the tool's arguments and its result; "user" is attribution, not prompt
        Assert.Contains("[CARD_1]", body, StringComparison.Ordinal);
        Assert.Contains("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk", body, StringComparison.Ordinal);
        Assert.Contains("call_AbCdEf0123456789XyZ", body, StringComparison.Ordinal);
        Assert.Equal("r", redacted.Model);
        Assert.Equal("email, card number", redaction.DescribeKinds());

        var restored = Encoding.UTF8.GetString(JsonRedaction.Restore("""{"choices":[{"message":{"content":"Mailed [EMAIL_1]; card [CARD_1] charged."}}]}"""u8, redaction));
        Assert.Equal("""{"choices":[{"message":{"content":"Mailed ann@example.com; card 4111 1111 1111 1111 charged."}}]}""", restored);
    }

    [Fact]
    public void NothingToRedactLeavesTheRequestAsItIs()
    {
        Assert.Null(JsonRedaction.Redact(Ask("What is the capital of France?"), out var redaction));
        Assert.Empty(redaction.Findings);
    }

    [Theory]
    [InlineData("Mail [EMA", 4)]
    [InlineData("Mail [EMAIL_1", 8)]
    [InlineData("Mail [EMAIL_1] now", 0)]
    [InlineData("array[i] and [", 1)]
    [InlineData("a [lower", 0)]
    public void APlaceholderCutAtTheEndOfAChunkIsHeldBack(string text, int held) =>
        Assert.Equal(held, Redaction.PartialPlaceholderLength(text));

    private static async Task<string> RestoreAsync(string stream, Redaction redaction, string dialect)
    {
        // Fed in small pieces, as a network would deliver it.
        using var restoring = new TranslatingSseStream(new TrickleStream(Encoding.UTF8.GetBytes(stream), 7), new RestoringEvents(redaction, dialect));
        return await new StreamReader(restoring).ReadToEndAsync(Ct);
    }

    [Fact]
    public async Task AnOpenAIStreamGetsItsOriginalsBackEvenWhenAPlaceholderIsSplitAcrossChunks()
    {
        var redaction = Redaction.Begin();
        redaction.Add("ann@example.com");
        var stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Mail [EMA\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"IL_1] now [EM\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: [DONE]\n\n";

        var restored = await RestoreAsync(stream, redaction, OpenAIRequestParser.Dialect);

        var text = string.Concat(OpenAIAnswerReader.Read(Encoding.UTF8.GetBytes(restored), stream: true).Text);
        Assert.Equal("Mail ann@example.com now [EM", text); // the held "[EM" is sent with the finish
        Assert.DoesNotContain("EMAIL_1", restored, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", restored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnthropicStreamGetsItsOriginalsBackAndHeldTextBeforeTheBlockEnds()
    {
        var redaction = Redaction.Begin();
        redaction.Add("Call +44 20 7946 0958");
        var stream = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Dial [PHO\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"NE_1] or [\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        var restored = await RestoreAsync(stream, redaction, AnthropicRequestParser.Dialect);

        Assert.Equal("Dial +44 20 7946 0958 or [", AnthropicAnswerReader.Read(Encoding.UTF8.GetBytes(restored), stream: true).Text);
        Assert.True(restored.IndexOf("\"text\":\"[\"", StringComparison.Ordinal) < restored.IndexOf("content_block_stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARouteWithSensitiveLocalSendsSecretsOnlyToLocalDeployments()
    {
        var cloud = Target("gpt-4o-mini");
        var local = new RouteTarget("local/llama3.2", ModelDeployment.On(new ProviderInfo("local", "ollama", Local: true), "local/llama3.2", "llama3.2", null));
        var route = new RoutePolicy { Name = "r", Strategy = RouteStrategy.Priority, Targets = [cloud, local], Baseline = cloud, Sensitive = SensitiveMode.Local };
        var planner = new RoutePlanner(new DeploymentHealthBook(), TimeProvider.System);

        async Task<RoutePlan> Plan(string prompt)
        {
            var request = Ask(prompt);
            return await planner.PlanAsync(route, request, RequestFeatures.Read(request, "gpt-4o-mini"), Record(), Ct);
        }

        Assert.Equal(["openai/gpt-4o-mini", "local/llama3.2"], (await Plan("What is the capital of France?")).Order.Select(t => t.Model));
        var secret = await Plan("Use key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 to call it");
        Assert.Equal(["local/llama3.2"], secret.Order.Select(t => t.Model));
        Assert.Contains("sensitive (API key): local deployments only", secret.Reason, StringComparison.Ordinal);

        var cloudOnly = new RoutePolicy { Name = "c", Strategy = RouteStrategy.Priority, Targets = [cloud], Baseline = cloud, Sensitive = SensitiveMode.Local };
        var request = Ask("My IBAN is DE89 3704 0044 0532 0130 00");
        var refused = await planner.PlanAsync(cloudOnly, request, RequestFeatures.Read(request, "gpt-4o-mini"), Record(), Ct);
        Assert.Equal(("sensitive_data_requires_local", 400), (refused.Error!.Code, refused.Error.Status));
        Assert.Contains("IBAN", refused.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReasoningCapLowersOnlyWhatIsAboveIt()
    {
        var cap = new ReasoningCap("low", 2048);

        var capped = cap.Apply(Chat("""{"model":"r","reasoning_effort":"high","messages":[{"role":"user","content":"think"}]}"""), out var what)!;
        Assert.Equal("""{"model":"r","reasoning_effort":"low","messages":[{"role":"user","content":"think"}]}""", Encoding.UTF8.GetString(capped.Body.Span));
        Assert.Equal("reasoning effort high capped to low", what);
        Assert.Null(cap.Apply(Chat("""{"model":"r","reasoning_effort":"minimal","messages":[]}"""), out _));
        Assert.Null(cap.Apply(Chat("""{"model":"r","messages":[]}"""), out _));

        Assert.True(OpenAIRequestParser.TryParse("""{"model":"r","reasoning":{"effort":"medium"},"input":"x"}"""u8.ToArray(), ApiKind.Responses, out var responses, out _));
        Assert.Contains("\"effort\":\"low\"", Encoding.UTF8.GetString(cap.Apply(responses, out _)!.Body.Span), StringComparison.Ordinal);

        Assert.True(AnthropicRequestParser.TryParse("""{"model":"r","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":16000},"messages":[]}"""u8.ToArray(),
            ApiKind.Messages, [], out var anthropic, out _));
        var thinking = cap.Apply(anthropic, out what)!;
        Assert.Contains("\"budget_tokens\":2048", Encoding.UTF8.GetString(thinking.Body.Span), StringComparison.Ordinal);
        Assert.Equal(("thinking budget 16000 capped to 2048", 20000L), (what, thinking.MaxOutputTokens));
    }
}
