namespace Tokenwise.Sensitivity;

/// <summary>What a finding is. The placeholder a redaction uses is the kind's upper-case name.</summary>
public enum SensitiveKind
{
    /// <summary>An API key or private key recognised by a provider's published prefix or a PEM header.</summary>
    ApiKey,

    /// <summary>An IBAN whose mod-97 check holds.</summary>
    Iban,

    /// <summary>A payment card number (13–19 digits, a known issuer prefix) whose Luhn check holds.</summary>
    CardNumber,

    /// <summary>A US SSN, a Spanish DNI/NIE (check letter) or a French NIR (check key).</summary>
    NationalId,

    Email,

    /// <summary>An international number (+country code) or a US number in a punctuated form.</summary>
    Phone,

    /// <summary>A long random-looking token: likely a credential with no known prefix.</summary>
    HighEntropyToken,
}
