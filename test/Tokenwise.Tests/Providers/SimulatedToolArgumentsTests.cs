using System.Text.Json;
using Tokenwise.Providers.Simulated;

namespace Tokenwise.Tests.Providers;

public sealed class SimulatedToolArgumentsTests
{
    [Fact]
    public void ArgumentsFitEachPropertysTypeIncludingTheNullableListsOfStrictSchemas()
    {
        using var schema = JsonDocument.Parse("""
            {"type":"object","properties":{
              "count":{"type":"integer"},"score":{"type":["number","null"]},"done":{"type":["null","boolean"]},
              "city":{"type":"string"},"odd":{"type":5},"bare":{},"not_a_schema":7}}
            """);

        Assert.Equal("""{"count":1,"score":1,"done":true,"city":"Paris","odd":"Paris","bare":"Paris","not_a_schema":"Paris"}""",
            SimulatedToolArguments.For(schema.RootElement));
    }

    [Theory]
    [InlineData("""{"type":"object"}""")]
    [InlineData("""{"type":"object","properties":[1]}""")]
    [InlineData("""[]""")]
    public void ASchemaWithoutPropertiesGetsNoArguments(string json)
    {
        using var schema = JsonDocument.Parse(json);

        Assert.Equal("{}", SimulatedToolArguments.For(schema.RootElement));
    }
}
