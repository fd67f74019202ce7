namespace Tokenwise.Admin;

/// <summary>A request to the admin API that cannot be carried out; the message says why.</summary>
public sealed class AdminException(string message, int status = 400) : Exception(message)
{
    public int Status { get; } = status;
}
