using System.Text;
using System.Text.Json.Nodes;
using Tokenwise.Providers.Gemini;
using Tokenwise.Providers.Translation;
using Tokenwise.Providers.Translation.AnthropicToOpenAI;
using Tokenwise.Providers.Translation.OpenAIToAnthropic;

namespace Tokenwise.Tests.Translation;

/// <summary>
/// A value of the wrong kind where a translation expects an object (a number for a tool, a string for a source) is the
/// client's mistake: a 400 naming the field, never System.Text.Json's exception (which was a 500). Found by mutating
/// every field of a full request to each JSON kind.
/// </summary>
public sealed class MalformedTranslatedRequestTests
{
    private const string OpenAIRequest = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
    private const string AnthropicRequest = """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    [Theory]
    [InlineData("tools", "[5]", "tools[0].type")]
    [InlineData("tool_choice", """{"type":"function","function":5}""", "tool_choice")]
    [InlineData("messages", """[{"role":"assistant","content":null,"tool_calls":[5]}]""", "messages[0].tool_calls[0]")]
    public void OpenAIToAnthropic(string field, string value, string param)
    {
        var e = Assert.Throws<UnsupportedFeature>(() => AnthropicRequestFromOpenAI.Translate(With(OpenAIRequest, field, value), "claude", 1000));
        Assert.Equal(param, e.Param);
    }

    [Theory]
    [InlineData("thinking", "5", "thinking")]
    [InlineData("tool_choice", "\"any\"", "tool_choice")]
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

    private static JsonObject With(string request, string field, string value)
    {
        var json = JsonNode.Parse(request)!.AsObject();
        json[field] = JsonNode.Parse(value);
        return json;
    }
}
