using Tokenwise.Caching;

namespace Tokenwise.Tests.Caching;

public sealed class VectorsTests
{
    [Theory]
    [InlineData(384)]
    [InlineData(47)] // not a multiple of any vector width: the scalar tail counts too
    [InlineData(3)]
    public void TheCodesDotProductIsTheIntegerSum(int length)
    {
        var random = new Random(length);
        var a = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var b = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        Assert.Equal(a.Zip(b).Sum(p => p.First * p.Second), Vectors.Dot(a, b));
    }

    [Fact]
    public void CodesApproximateTheVectorTheyWereQuantizedFrom()
    {
        var random = new Random(2);
        var vector = Vectors.Normalize(Enumerable.Range(0, 384).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        var other = Vectors.Normalize(Enumerable.Range(0, 384).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        var codes = new sbyte[384];
        var otherCodes = new sbyte[384];
        var scale = Vectors.Quantize(vector, codes);
        var otherScale = Vectors.Quantize(other, otherCodes);

        Assert.Equal(127, codes.Max(c => Math.Abs((int)c)));
        Assert.All(Enumerable.Range(0, 384), i => Assert.InRange(vector[i] - (codes[i] * scale), -0.51f * scale, 0.51f * scale));
        Assert.Equal(Vectors.Dot(vector, other), scale * otherScale * Vectors.Dot(codes, otherCodes), 0.005f);
    }

    [Fact]
    public void AZeroVectorQuantizesToZeroCodes()
    {
        var codes = new sbyte[] { 1, 2, 3 };
        Assert.Equal(0f, Vectors.Quantize([0f, 0f, 0f], codes));
        Assert.All(codes, c => Assert.Equal(0, c));
    }
}
