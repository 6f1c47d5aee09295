// A small Express app with the insecure defaults that cinch fixes: run
// `cinch fix --unsafe-fixes examples/express` with `cors.allowed_origins` set in cinch.toml.
const express = require('express');
const session = require('express-session');
const cors = require('cors');

const app = express();

app.use(express.json());
app.use(cors({ origin: true, credentials: true }));
app.use(
  session({
    secret: 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  })
);

app.get('/login', (req, res) => {
  req.session.user = 'demo';
  res.cookie('theme', 'dark');
  res.json({ user: req.session.user });
});

const port = Number(process.env.PORT) || 3000;
app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port}`);
});
