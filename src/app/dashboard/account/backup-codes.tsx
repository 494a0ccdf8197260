"use client";

/**
 * Backup codes, shown once (the server keeps them encrypted and never shows
 * them again), with a .txt download made in the page: nothing is sent anywhere.
 */
export function BackupCodes({ codes }: { codes: string[] }) {
  function download() {
    const text = `Typed Worker Stack backup codes. Each works once, in place of an authenticator code.\n\n${codes.join("\n")}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "backup-codes.txt";
    link.click();
    URL.revokeObjectURL(url);
  }

  return (
    <div className="stack">
      <p>
        <strong>Backup codes.</strong> Keep them somewhere safe: each one signs you in once without your authenticator
        app. They are not shown again.
      </p>
      <ul data-testid="backup-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="secondary" onClick={download}>
          Download the codes (.txt)
        </button>
      </div>
    </div>
  );
}
