namespace Tokenwise.Storage;

public enum OutcomeStatus
{
    Success,
    Failure,
}
