using System.Text;

namespace Tokenwise.Testing;

/// <summary>
/// Golden files: the exact bytes an adapter must produce, kept in the source tree beside the test
/// that checks them. Run the tests with <c>TOKENWISE_UPDATE_GOLDEN=1</c> after a deliberate change and
/// each test writes what it produced instead of comparing; then review the diff. Every golden test
/// reads and compares through here, so there is one way to regenerate them all.
/// </summary>
public static class GoldenFiles
{
    public const string UpdateVariable = "TOKENWISE_UPDATE_GOLDEN";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>
    /// An input of a case (what a client or an upstream sends), or null when the case has none. A single
    /// final newline is dropped, as editors add one a request body does not have; an event stream's
    /// closing blank line is kept.
    /// </summary>
    public static byte[]? Input(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        return bytes.Length > 0 && bytes[^1] == '\n' && !(bytes.Length > 1 && bytes[^2] == '\n') ? bytes[..^1] : bytes;
    }

    /// <summary>
    /// The golden text that <paramref name="actual"/> must equal (compare the two with the test's assert,
    /// for a readable diff). When regenerating, <paramref name="actual"/> is written first, so it is also
    /// what comes back.
    /// </summary>
    /// <exception cref="FileNotFoundException">The golden does not exist yet.</exception>
    public static string Expected(string path, string actual)
    {
        if (Updating)
        {
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(actual));
        }

        return File.Exists(path)
            ? Encoding.UTF8.GetString(File.ReadAllBytes(path))
            : throw new FileNotFoundException($"{path} is missing; run the tests with {UpdateVariable}=1 to create it, and review it.", path);
    }
}
