declare module 'koa-csrf' {
  const CSRF: unknown;
  export default CSRF;
}
