// The part of xml-encryption (CommonJS, untyped) that src/saml/encrypt.ts and the tests use.
declare module 'xml-encryption' {
  interface EncryptOptions {
    rsa_pub: string | Buffer;
    pem: string | Buffer;
    encryptionAlgorithm: string;
    keyEncryptionAlgorithm: string;
    keyEncryptionDigest?: string;
    disallowEncryptionWithInsecureAlgorithm?: boolean;
    warnInsecureAlgorithm?: boolean;
  }
  interface DecryptOptions {
    key: string | Buffer;
    disallowDecryptionWithInsecureAlgorithm?: boolean;
    warnInsecureAlgorithm?: boolean;
  }
  const xmlenc: {
    encrypt(content: string, options: EncryptOptions, callback: (err: Error | null, result: string) => void): void;
    decrypt(xml: string, options: DecryptOptions, callback: (err: Error | null, result: string) => void): void;
  };
  export default xmlenc;
}
