using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tokenwise.Caching;

/// <summary>
/// The vector arithmetic the indexes need: dot products (cosine on unit vectors), normalisation, and 8-bit
/// codes whose integer dot product approximates the float one at a quarter of the memory.
/// </summary>
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

    /// <summary>
    /// Rounds <paramref name="vector"/> to 8-bit <paramref name="codes"/> with one scale for the whole vector
    /// (its largest component becomes ±127) and returns that scale: component i ≈ codes[i] × scale, so the
    /// dot product of two vectors ≈ <see cref="Dot(ReadOnlySpan{sbyte}, ReadOnlySpan{sbyte})"/> × both scales.
    /// </summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        if (codes.Length != vector.Length)
        {
            throw new ArgumentException("The codes must have the vector's length.", nameof(codes));
        }

        var largest = 0f;
        foreach (var x in vector)
        {
            largest = MathF.Max(largest, MathF.Abs(x));
        }

        if (largest == 0f)
        {
            codes.Clear();
            return 0f;
        }

        var toCode = 127f / largest;
        for (var i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)MathF.Round(vector[i] * toCode);
        }

        return largest / 127f;
    }

    /// <summary>The dot product of two code vectors (<see cref="Quantize"/>), exact in integers.</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Vectors of different lengths cannot be compared.", nameof(b));
        }

        var sum = 0;
        var i = 0;
        ref var first = ref MemoryMarshal.GetReference(a);
        ref var second = ref MemoryMarshal.GetReference(b);
        if (Avx2.IsSupported)
        {
            // Codes widened to shorts, 16 at a time; MultiplyAddAdjacent multiplies them and adds neighbouring
            // products into 8 ints, in one instruction. Two sums, so that one addition need not wait for the other.
            var even = Vector256<int>.Zero;
            var odd = Vector256<int>.Zero;
            for (; i <= a.Length - (2 * Vector128<sbyte>.Count); i += 2 * Vector128<sbyte>.Count)
            {
                even = Avx2.Add(even, MultiplyAddAdjacent(ref first, ref second, i));
                odd = Avx2.Add(odd, MultiplyAddAdjacent(ref first, ref second, i + Vector128<sbyte>.Count));
            }

            sum = Vector256.Sum(even + odd);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            // Portable: a code's product fits a short (127 × 127), so multiply as shorts and widen the products.
            var products = Vector<int>.Zero;
            for (; i <= a.Length - Vector<sbyte>.Count; i += Vector<sbyte>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref first, (nuint)i), out var xLow, out var xHigh);
                Vector.Widen(Vector.LoadUnsafe(ref second, (nuint)i), out var yLow, out var yHigh);
                Vector.Widen(xLow * yLow, out var p0, out var p1);
                Vector.Widen(xHigh * yHigh, out var p2, out var p3);
                products += p0 + p1 + p2 + p3;
            }

            sum = Vector.Sum(products);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static Vector256<int> MultiplyAddAdjacent(ref sbyte a, ref sbyte b, int at) =>
        Avx2.MultiplyAddAdjacent(
            Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref a, (nuint)at)),
            Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref b, (nuint)at)));
}
