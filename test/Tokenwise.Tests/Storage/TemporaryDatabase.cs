using Microsoft.Data.Sqlite;

namespace Tokenwise.Tests.Storage;

/// <summary>A SQLite file of a test's own in the temp folder, removed with its WAL files when the test is done.</summary>
internal sealed class TemporaryDatabase(string name) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tokenwise-{name}-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
