// A small Express app in TypeScript with cookie-session and a lookalike-prone CORS pattern.
import express, { NextFunction, Request, Response } from 'express';
import cookieSession from 'cookie-session';
import cors, { CorsOptions } from 'cors';

const app = express();

const corsOptions: CorsOptions = {
  origin: /app\.example\.com$/,
  credentials: true,
};

app.use(cors(corsOptions));
app.use(
  cookieSession({
    name: 'session',
    keys: ['insecure-demo-key'],
    maxAge: 60 * 60 * 1000,
  }),
);

app.get('/login', (req: Request, res: Response, next: NextFunction) => {
  req.session = { user: 'demo' };
  res.cookie('XSRF-TOKEN', 'token-value');
  res.json({ ok: true });
  next();
});

const port = Number(process.env.PORT) || 3000;
app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port}`);
});
