namespace Tokenwise.Storage;

/// <summary>The dimension a spend report groups by.</summary>
public enum SpendGrouping
{
    Model,
    Provider,
    Day,
}
