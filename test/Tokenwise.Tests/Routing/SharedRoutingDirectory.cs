namespace Tokenwise.Tests.Routing;

/// <summary>
/// Finds <c>shared/data/routing</c>: under <c>$TOKENWISE_SHARED_DIR</c> when set, else in the nearest folder
/// above the test binaries that has it (the repository's parent). Tests that need it skip without it.
/// </summary>
internal static class SharedRoutingDirectory
{
    public static string? Locate()
    {
        var shared = Environment.GetEnvironmentVariable("TOKENWISE_SHARED_DIR");
        if (!string.IsNullOrEmpty(shared))
        {
            var fromVariable = Path.Combine(shared, "data", "routing");
            return Directory.Exists(fromVariable) ? fromVariable : null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", "routing");
            if (Directory.Exists(Path.Combine(candidate, "mmlu_pro")))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Require()
    {
        var path = Locate();
        if (path is null)
        {
            Assert.Skip("../shared/data/routing is absent (set TOKENWISE_SHARED_DIR or place shared/ beside the repository).");
        }

        return path!;
    }
}
