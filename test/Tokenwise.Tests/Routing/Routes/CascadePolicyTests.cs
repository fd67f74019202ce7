using System.Text;
using System.Text.RegularExpressions;
using Tokenwise.Anthropic;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Routing.Routes;
using static Tokenwise.Tests.Routing.Routes.RouteFixtures;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class CascadePolicyTests
{
    private const string JsonAsked = """
        {"model":"r","messages":[{"role":"user","content":"Give me a person"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"person","schema":{"type":"object","required":["name","age"],
           "properties":{"name":{"type":"string"},"age":{"type":"integer"}},"additionalProperties":false}}}}
        """;

    private const string ToolsOffered = """
        {"model":"r","messages":[{"role":"user","content":"Weather?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}}}]}
        """;

    private static string? Fails(AnswerView answer, string request = """{"model":"r","messages":[{"role":"user","content":"hi"}]}""", CascadePolicy? policy = null)
    {
        using var asked = CascadeRequest.Read(Chat(request));
        return (policy ?? CascadePolicy.Default).FirstFailure(answer, asked);
    }

    private static AnswerView Text(string text, string? finish = "stop") => new(text, finish, [], null, null, null);

    [Fact]
    public void AGoodAnswerPasses() => Assert.Null(Fails(Text("Paris is the capital of France.")));

    [Fact]
    public void EmptyCutOffAndRefusedAnswersFail()
    {
        Assert.Equal("empty", Fails(Text("  ")));
        Assert.Equal("length", Fails(Text("Paris is the", "length")));
        Assert.Equal("refusal", Fails(Text("I'm sorry, but I can't help with that.")));
        Assert.Equal("refusal", Fails(new AnswerView("", "stop", [], "I won't do that.", null, null)));
        Assert.Equal("refusal", Fails(Text("...", "refusal")));
        // Quoting a refusal later on is not one.
        Assert.Null(Fails(Text("The user wrote: I'm sorry, but I can't come.")));
    }

    [Fact]
    public void JsonIsCheckedOnlyWhenAskedAndAgainstItsSchema()
    {
        Assert.Null(Fails(Text("not json at all"))); // nobody asked for JSON
        Assert.Equal("json", Fails(Text("Sure! {\"name\":\"Ann\"}"), JsonAsked));
        Assert.Equal("json", Fails(Text("""{"name":"Ann"}"""), JsonAsked)); // age is required
        Assert.Equal("json", Fails(Text("""{"name":"Ann","age":"forty"}"""), JsonAsked));
        Assert.Equal("json", Fails(Text("""{"name":"Ann","age":40,"extra":1}"""), JsonAsked)); // additionalProperties: false
        Assert.Null(Fails(Text("""{"name":"Ann","age":40}"""), JsonAsked));
    }

    [Fact]
    public void ToolsThatAreNotObjectsOfferNothingToCallAndDoNotStopTheCheck()
    {
        const string request = """{"model":"r","messages":[],"tools":[5,"x",{"type":"function","function":7},{"type":"function","function":{"name":"f"}}]}""";
        var call = new AnswerView("", "tool_calls", [new("f", "{}")], null, null, null);

        Assert.Null(Fails(call, request));
        Assert.Equal("tool_call", Fails(call with { ToolCalls = [new("g", "{}")] }, request));
    }

    [Fact]
    public void ToolCallsMustNameAnOfferedToolWithFittingArguments()
    {
        AnswerView Call(string name, string arguments) => new("", "tool_calls", [new AnswerToolCall(name, arguments)], null, null, null);

        Assert.Null(Fails(Call("get_weather", """{"city":"Paris"}"""), ToolsOffered));
        Assert.Equal("tool_call", Fails(Call("get_wether", """{"city":"Paris"}"""), ToolsOffered));
        Assert.Equal("tool_call", Fails(Call("get_weather", """{"city":"Par"""), ToolsOffered));
        Assert.Equal("tool_call", Fails(Call("get_weather", """{"town":"Paris"}"""), ToolsOffered));
        Assert.Equal("tool_call", Fails(Call("get_weather", "[1,2]"), ToolsOffered));
    }

    [Fact]
    public void APatternAndLowConfidenceEscalateWhenConfigured()
    {
        var policy = new CascadePolicy(CascadeChecks.Default | CascadeChecks.Pattern | CascadeChecks.Confidence, new Regex("(?i)not sure"), -1.0);

        Assert.Equal("regex", Fails(Text("I'm not sure, maybe 42."), policy: policy));
        Assert.Equal("logprob", Fails(new AnswerView("42", "stop", [], null, -1.7, null), policy: policy));
        Assert.Null(Fails(new AnswerView("42", "stop", [], null, -0.2, null), policy: policy));
        Assert.Null(Fails(new AnswerView("42", "stop", [], null, null, null), policy: policy)); // no log-probabilities, nothing to judge
        Assert.Null(Fails(Text("I'm not sure, maybe 42."))); // the default checks do not include the pattern
    }

    [Fact]
    public void OpenAIAnswersAreReadWholeAndStreamed()
    {
        var json = OpenAIAnswerReader.Read("""
            {"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there",
              "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              "logprobs":{"content":[{"token":"Hi","logprob":-0.5},{"token":" there","logprob":-1.5}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}}
            """u8, stream: false);
        Assert.Equal(("Hi there", "tool_calls", -1.0, 10L, 4L), (json.Text, json.FinishReason, json.MeanLogprob!.Value, json.Usage!.Value.InputTokens, json.Usage.Value.OutputTokens));
        Assert.Equal(new AnswerToolCall("get_weather", """{"city":"Paris"}"""), json.ToolCalls.Single());

        var stream = OpenAIAnswerReader.Read(Encoding.UTF8.GetBytes(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]},\"finish_reason\":\"length\"}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}\n\n"
            + "data: [DONE]\n\n"), stream: true);
        Assert.Equal(("Hello", "length", 7L), (stream.Text, stream.FinishReason, stream.Usage!.Value.InputTokens));
        Assert.Equal(new AnswerToolCall("f", """{"a":1}"""), stream.ToolCalls.Single());
    }

    [Fact]
    public void AnthropicAnswersAreReadWholeAndStreamedInOpenAIsWords()
    {
        var json = AnthropicAnswerReader.Read("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Let me look."},
              {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],"stop_reason":"tool_use",
             "usage":{"input_tokens":12,"cache_read_input_tokens":100,"output_tokens":9}}
            """u8, stream: false);
        Assert.Equal(("Let me look.", "tool_calls", 112L), (json.Text, json.FinishReason, json.Usage!.Value.InputTokens));
        Assert.Equal(new AnswerToolCall("get_weather", """{"city":"Paris"}"""), json.ToolCalls.Single());

        var stream = AnthropicAnswerReader.Read(Encoding.UTF8.GetBytes(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Par\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"is\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":2}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), stream: true);
        Assert.Equal(("Paris", "length", 5L, 2L), (stream.Text, stream.FinishReason, stream.Usage!.Value.InputTokens, stream.Usage.Value.OutputTokens));
        Assert.Equal("length", CascadePolicy.Default.FirstFailure(stream, CascadeRequest.Read(Anthropic())));
    }

    private static LlmRequest Anthropic()
    {
        Assert.True(AnthropicRequestParser.TryParse("""{"model":"r","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""u8.ToArray(), ApiKind.Messages, [], out var request, out _));
        return request;
    }
}
