namespace Tokenwise.Admin;

public sealed record HealthStatus(string Status);
