using System.Numerics;
using System.Runtime.InteropServices;

namespace Tokenwise.Caching;

/// <summary>The vector arithmetic the indexes need: dot products (cosine on unit vectors) and normalisation.</summary>
public static class Vectors
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Vectors of different lengths cannot be compared.", nameof(b));
        }

        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var k = 0; k < va.Length; k++)
            {
                sum += va[k] * vb[k];
            }

            i = va.Length * Vector<float>.Count;
        }

        var result = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            result += a[i] * b[i];
        }

        return result;
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place (a zero vector stays zero).</summary>
    public static float[] Normalize(float[] vector)
    {
        var norm = MathF.Sqrt(Dot(vector, vector));
        if (norm > 0f)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }
}
