using System.Text;
using System.Text.Json.Nodes;
using Tokenwise.Providers.Gemini;
using Tokenwise.Providers.Translation;
using Tokenwise.Providers.Translation.AnthropicToOpenAI;
using Tokenwise.Providers.Translation.OpenAIToAnthropic;

namespace Tokenwise.Tests.Translation;

/// <summary>
/// A value of the wrong kind where a translation expects an object (a number for a tool, a string for a source): in a
/// client's request, a 400 naming the field; in a provider's answer or stream, no tool call without a name and no
/// exception. Either way never System.Text.Json's exception escaping as a 500, as it did. Found by mutating every field
/// of full requests, and by a fake provider sending answers and events of the wrong shape.
/// </summary>
public sealed class WrongShapeTranslationTests
{
    private const string OpenAIRequest = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
    private const string AnthropicRequest = """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    [Theory]
    [InlineData("tools", "[5]", "tools[0].type")]
    [InlineData("tool_choice", """{"type":"function","function":5}""", "tool_choice")]
    [InlineData("messages", """[{"role":"assistant","content":null,"tool_calls":[5]}]""", "messages[0].tool_calls[0]")]
    [InlineData("web_search_options", "5", "web_search_options")]
    [InlineData("web_search_options", """{"user_location":"Oslo"}""", "web_search_options.user_location")]
    [InlineData("web_search_options", """{"user_location":{"type":"approximate","approximate":{"city":{"name":"Oslo"}}}}""", "web_search_options.user_location.approximate.city")]
    [InlineData("web_search_options", """{"user_location":{"type":"approximate","approximate":{"street":"Karl Johans gate"}}}""", "web_search_options.user_location.approximate.street")]
    [InlineData("web_search_options", """{"filters":{}}""", "web_search_options.filters")]
    public void OpenAIToAnthropic(string field, string value, string param)
    {
        var e = Assert.Throws<UnsupportedFeature>(() => AnthropicRequestFromOpenAI.Translate(With(OpenAIRequest, field, value), "claude", 1000));
        Assert.Equal(param, e.Param);
    }

    [Theory]
    [InlineData("thinking", "5", "thinking")]
    [InlineData("tool_choice", "\"any\"", "tool_choice")]
    [InlineData("metadata", "[5]", "metadata")]
    [InlineData("messages", """[{"role":"user","content":[{"type":"image","source":5}]}]""", "messages.0.content.0.type")]
    public void AnthropicToOpenAI(string field, string value, string param)
    {
        var e = Assert.Throws<UnsupportedFeature>(() => OpenAIRequestFromAnthropic.Translate(With(AnthropicRequest, field, value), "gpt"));
        Assert.Equal(param, e.Param);
    }

    [Theory]
    [InlineData("tools", "[5]", "tools[0].type")]
    [InlineData("response_format", """{"type":"json_schema","json_schema":5}""", "response_format")]
    [InlineData("messages", """[{"role":"user","content":[{"type":"image_url","image_url":5}]}]""", "messages[0].content[0].image_url.url")]
    public void OpenAIToGemini(string field, string value, string param)
    {
        var body = Encoding.UTF8.GetBytes(With(OpenAIRequest, field, value).ToJsonString());
        Assert.False(GeminiRequestTranslator.TryTranslate(body, out _, out var error));
        Assert.Equal((400, param), (error.Status, error.Param));
    }

    [Theory]
    [InlineData("""{"choices":[5]}""")]
    [InlineData("""{"choices":[{"message":5}]}""")]
    [InlineData("""{"choices":[{"message":{"content":"x","tool_calls":[{"id":"c1","function":5}]}}]}""")]
    public void AnOpenAIAnswerOfTheWrongShapeIsNoAnthropicMessage(string answer)
    {
        // A nameless tool call can be no tool_use block; the others become an empty message: neither throws (a 500).
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var written = MessageFromChatCompletion.Write(Encoding.UTF8.GetBytes(answer), "m", output);
        Assert.Equal(!answer.Contains("tool_calls", StringComparison.Ordinal), written);
    }

    [Theory]
    [InlineData("""{"choices":5}""")]
    [InlineData("""{"choices":[5]}""")]
    [InlineData("""{"choices":[{"delta":5}]}""")]
    [InlineData("""{"choices":[{"delta":{"tool_calls":[5,{"index":"x","function":5}]}}]}""")]
    public void AnOpenAIStreamEventOfTheWrongShapeIsTranslatedWithoutThrowing(string chunk)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var events = new EventsFromOpenAIStream("m");
        events.Translate(Encoding.UTF8.GetBytes(chunk), output);
        events.Translate("[DONE]"u8, output);
        Assert.Contains("message_stop", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"message_start","message":5}""")]
    [InlineData("""{"type":"content_block_start","index":0,"content_block":"x"}""")]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":5}""")]
    [InlineData("""{"type":"message_delta","delta":[],"usage":5}""")]
    public void AnAnthropicStreamEventOfTheWrongShapeIsTranslatedWithoutThrowing(string anthropicEvent)
    {
        // The stream goes on past the odd event: what follows is translated, and it ends as an OpenAI stream does.
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var chunks = new ChunksFromAnthropicStream("m", 0);
        chunks.Translate(Encoding.UTF8.GetBytes(anthropicEvent), output);
        chunks.Translate("""{"type":"message_stop"}"""u8, output);
        chunks.Complete(output);
        var events = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.All(events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).SkipLast(1), e => JsonNode.Parse(e["data: ".Length..]));
    }

    [Theory]
    [InlineData("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":5,"citations":5}}""",
        """{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":[1]}}""",
        """{"type":"content_block_stop","index":0}""")]
    [InlineData("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"a","citations":[5,{"type":"web_search_result_location","url":5}]}}""",
        """{"type":"content_block_delta","index":"0","delta":{"type":"citations_delta"}}""",
        """{"type":"content_block_stop","index":0}""")]
    [InlineData("""{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":5,"name":[]}}""",
        """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q"}}""",
        """{"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","content":5}}""")]
    public void AnAnthropicWebSearchOfTheWrongShapeIsTranslatedWithoutThrowing(string first, string second, string third)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var chunks = new ChunksFromAnthropicStream("m", 0);
        foreach (var anthropicEvent in new[] { first, second, third, """{"type":"message_stop"}""" })
        {
            chunks.Translate(Encoding.UTF8.GetBytes(anthropicEvent), output);
        }

        var events = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain("tool_calls", events, StringComparison.Ordinal); // the search is Claude's own tool, never the client's
        Assert.DoesNotContain("annotations", events, StringComparison.Ordinal); // no citation had a URL
    }

    [Theory]
    [InlineData("""{"candidates":[5]}""")]
    [InlineData("""{"candidates":[{"content":5}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[5,{"text":5},{"functionCall":5}]}}],"usageMetadata":5}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"groundingMetadata":{"webSearchQueries":5,"groundingChunks":[5,{"web":[1]},{"web":{"uri":5}}],"groundingSupports":[5,{"segment":[1],"groundingChunkIndices":{"a":1}},{"segment":{"startIndex":"x","endIndex":-4,"text":7},"groundingChunkIndices":[0,1,2,"3",-1,99]}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"héllo"}]},"groundingMetadata":{"webSearchQueries":["q"],"groundingChunks":[{"web":{"uri":"u"}}],"groundingSupports":[{"segment":{"startIndex":2,"endIndex":99,"text":"llo"},"groundingChunkIndices":[0]},{"segment":{"startIndex":1,"endIndex":2},"groundingChunkIndices":[0]}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"groundingMetadata":[1,2]}]}""")]
    public void AGeminiAnswerOfTheWrongShapeIsTranslatedWithoutThrowing(string answer) =>
        Assert.NotNull(GeminiResponseTranslator.ToChatCompletion(Encoding.UTF8.GetBytes(answer), "m", 0, searchesPerQuery: true).Body);

    private static JsonObject With(string request, string field, string value)
    {
        var json = JsonNode.Parse(request)!.AsObject();
        json[field] = JsonNode.Parse(value);
        return json;
    }
}
