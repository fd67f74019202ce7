namespace Tokenwise.Cli;

internal enum OutputFormat
{
    Table,
    Json,
    Csv,
}
