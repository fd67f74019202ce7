using System.Text;
using System.Text.Json;
using Tokenwise.Json;

namespace Tokenwise.Tests.Json;

public sealed class RepeatedPropertiesTests
{
    private static string? Problem(string json) => RepeatedProperties.Problem(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}""")]
    [InlineData("""{"a":{"a":{"a":1}},"b":{"a":2}}""")] // one name at each level and in sibling objects
    [InlineData("""{"a":{"b":1,"c":2},"b":{},"c":[{"b":1},{"b":2}]}""")] // an inner object's names are forgotten when it closes
    [InlineData("""{"mod\u0065l":"gpt-4o-mini","model_name":"x"}""")]
    [InlineData("""{}""")]
    public void ABodyWithoutARepeatIsAccepted(string json) => Assert.Null(Problem(json));

    [Theory]
    [InlineData("""{"model":"gpt-4o","model":"gpt-4o-mini"}""", "model")]
    [InlineData("""{"messages":[{"role":"user","content":"a","content":"b"}]}""", "content")]
    [InlineData("""{"a":{"x":1,"y":{"z":2}},"b":1,"a":2}""", "a")] // after an inner object has closed
    [InlineData("""{"model":"gpt-4o-mini","mod\u0065l":"gpt-4o"}""", "model")] // escaped: left to JsonDocument
    public void ARepeatIsNamed(string json, string name)
    {
        var problem = Problem(json);
        Assert.NotNull(problem);
        Assert.StartsWith("an object names the same property twice: ", problem, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(31, false)]
    [InlineData(33, false)]
    [InlineData(33, true)]
    [InlineData(500, true)]
    public void ALargeObjectIsCheckedWhole(int names, bool repeatLast)
    {
        var properties = Enumerable.Range(0, names).Select(i => $"\"p{(repeatLast && i == names - 1 ? 0 : i)}\":{i}");
        Assert.Equal(repeatLast, Problem("{" + string.Join(',', properties) + "}") is not null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LongNamesAreComparedWhole(bool repeat)
    {
        var name = new string('n', 200);
        Assert.Equal(repeat, Problem($$"""{"{{name}}1":1,"{{name}}{{(repeat ? 1 : 2)}}":2}""") is not null);
    }

    /// <summary>
    /// The fast check and JsonDocument agree on random bodies: names from a small set so that repeats are common, nested
    /// in objects and arrays, sometimes escaped, long or many, so that every way out of the fast check is taken.
    /// </summary>
    [Fact]
    public void TheCheckAgreesWithJsonDocumentOnRandomBodies()
    {
        var random = new Random(20261203);
        var options = new JsonDocumentOptions { AllowDuplicateProperties = false };
        int repeated = 0, accepted = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var json = new StringBuilder();
            WriteValue(json, random, depth: 0);
            var bytes = Encoding.UTF8.GetBytes(json.ToString());
            bool documentRefuses;
            try
            {
                using var document = JsonDocument.Parse(bytes, options);
                documentRefuses = false;
            }
            catch (JsonException)
            {
                documentRefuses = true;
            }

            Assert.True(documentRefuses == RepeatedProperties.Problem(bytes) is not null, json.ToString());
            _ = documentRefuses ? repeated++ : accepted++;
        }

        Assert.True(repeated > 500 && accepted > 500, $"{repeated} repeated, {accepted} accepted"); // both kinds were tried
    }

    private static void WriteValue(StringBuilder json, Random random, int depth)
    {
        switch (depth == 0 ? 0 : depth > 5 ? 1 : random.Next(4))
        {
            case 0:
                json.Append('{');
                var names = depth < 2 && random.Next(8) == 0 ? random.Next(30, 60) : random.Next(6);
                for (var i = 0; i < names; i++)
                {
                    json.Append(i == 0 ? "\"" : ",\"").Append(Name(random)).Append("\":");
                    WriteValue(json, random, depth + 1);
                }

                json.Append('}');
                break;
            case 1:
                json.Append(random.Next(100));
                break;
            default:
                json.Append('[');
                for (var i = random.Next(4); i > 0; i--)
                {
                    WriteValue(json, random, depth + 1);
                    json.Append(i > 1 ? "," : "");
                }

                json.Append(']');
                break;
        }
    }

    private static string Name(Random random) => random.Next(40) switch
    {
        0 => "\\u0061", // "a", escaped
        1 => new string('a', 65),
        2 => new string('a', 64),
        var n => ((char)('a' + n % 12)).ToString() + (n % 3 == 0 ? "b" : ""),
    };
}
