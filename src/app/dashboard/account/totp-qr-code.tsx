"use client";

import QRCode from "qrcode";
import { useEffect, useState } from "react";

import styles from "./account.module.css";

/**
 * An otpauth:// URI as a QR code, drawn in this page: the `qrcode` package
 * makes an SVG here, shown as a data: image (the page's CSP allows data:
 * images, and an <img> runs nothing). The URI holds the TOTP secret, so it
 * never goes to a third-party QR service.
 */
export function TotpQrCode({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 }).then((svg) => {
      if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      current = false;
    };
  }, [uri]);
  if (!src) return <div className={styles.qr} aria-hidden />;
  return (
    // eslint-disable-next-line @next/next/no-img-element -- a data: URL, nothing for next/image to optimise
    <img src={src} className={styles.qr} alt="QR code to scan with your authenticator app" data-testid="totp-qr" />
  );
}
