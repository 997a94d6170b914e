//! Traditional and variant forms of the Han characters common in Chinese names, with their
//! simplified form, so that 張偉 and 张伟 compare equal. A record typed on a Hong Kong or Taiwan
//! keyboard, or copied from an old paper form, carries these. The table covers the surnames and
//! given-name characters that differ between the scripts; a rare character outside it still
//! compares by itself, so a miss costs a merge, never a false one.

use std::sync::OnceLock;

/// Pairs of (traditional or variant, simplified), two characters each, space-separated.
const PAIRS: &str = "\
張张 劉刘 陳陈 楊杨 黃黄 趙赵 吳吴 孫孙 馬马 羅罗 鄭郑 謝谢 許许 韓韩 馮冯 鄧邓 蔣蒋 葉叶 蘇苏 呂吕 \
盧卢 鍾钟 鐘钟 譚谭 陸陆 賈贾 韋韦 鄒邹 龍龙 賀贺 顧顾 龔龚 萬万 錢钱 嚴严 陽阳 湯汤 莊庄 歐欧 閻阎 \
蕭萧 魯鲁 喬乔 師师 聶聂 饒饶 鄺邝 鄔邬 祿禄 勞劳 單单 費费 倫伦 溫温 紀纪 華华 齊齐 項项 樂乐 鳳凤 \
關关 駱骆 閔闵 賴赖 廣广 談谈 鮑鲍 諸诸 衛卫 藍蓝 塗涂 黨党 區区 寧宁 遲迟 鞏巩 龐庞 貝贝 車车 麥麦 \
連连 歸归 顏颜 習习 範范 聞闻 滿满 權权 雲云 陰阴 遊游 鬱郁 畢毕 荊荆 厲厉 奧奥 嶽岳 甯宁 戴戴 \
偉伟 強强 軍军 麗丽 紅红 艷艳 豔艳 蘭兰 傑杰 濤涛 鵬鹏 輝辉 剛刚 東东 國国 慶庆 寶宝 貴贵 聰聪 蓮莲 \
靜静 穎颖 潔洁 瑩莹 飛飞 鳴鸣 勝胜 興兴 榮荣 銘铭 鋒锋 鋼钢 銳锐 錦锦 鎮镇 雙双 韻韵 順顺 頌颂 領领 \
顥颢 風风 騰腾 驍骁 鶴鹤 齡龄 愛爱 憲宪 懷怀 戰战 揚扬 數数 曉晓 書书 會会 樺桦 樹树 橋桥 歡欢 漢汉 \
濱滨 潤润 澤泽 瀟潇 燁烨 爾尔 獻献 現现 環环 瑋玮 瑤瑶 發发 碩硕 禮礼 禎祯 穩稳 約约 紋纹 純纯 紗纱 \
細细 絲丝 綠绿 維维 綺绮 緒绪 繼继 纖纤 義义 聖圣 聯联 聲声 肅肃 臨临 舉举 詩诗 誠诚 語语 誼谊 諾诺 \
謙谦 譽誉 豐丰 財财 賢贤 資资 質质 躍跃 農农 運运 進进 遠远 選选 鈺钰 鈞钧 銀银 錫锡 長长 開开 閩闽 \
靈灵 韜韬 頤颐 願愿 餘余 馳驰 駿骏 驥骥 鯤鲲 鴻鸿 鵑鹃 嬌娇 嫻娴 嬋婵 婭娅 嵐岚 峯峰 崑昆 喆哲 珮佩 \
淩凌 於于 沖冲 裏里 後后 髮发 儀仪 億亿 傳传 僑侨 優优 兒儿 凱凯 勁劲 勳勋 勵励 嘯啸 團团 圓圆 園园 \
堅坚 壯壮 壽寿 夢梦 奮奋 學学 實实 寬宽 將将 嶺岭 巖岩 帥帅 彥彦 從从 徵征 恆恒 悅悦 愷恺 憶忆 應应 \
摯挚 斕斓 昇升 晉晋 暉晖 曆历 暢畅 曄晔 樸朴 櫻樱 歲岁 氣气 濃浓 灣湾 煒炜 無无 燦灿 爍烁 爭争 獎奖 \
瑪玛 璽玺 瓊琼 產产 畫画 當当 疊叠 禪禅 種种 稱称 穀谷 競竞 節节 築筑 簡简 紹绍 絢绚 統统 綿绵 總总 \
繡绣 羣群 翹翘 蕓芸 藝艺 蘊蕴 蘿萝 號号 螢萤 覽览 覺觉 觀观 訓训 記记 詠咏 誌志 說说 諒谅 謀谋 謹谨 \
識识 證证 護护 讚赞 貞贞 賓宾 賜赐 賽赛 贊赞 軒轩 輔辅 輪轮 辦办 達达 遙遥 遜逊 鄉乡 釗钊 鈴铃 鉅钜 \
鉑铂 銓铨 錚铮 鍵键 鍊炼 鍛锻 鎧铠 鏗铿 鑒鉴 閣阁 闊阔 陣阵 雋隽 雞鸡 離离 靚靓 頂顶 頎颀 頻频 顯显 \
颯飒 飄飘 駒驹 騏骐 驊骅 體体 鬆松 鶯莺 鷹鹰 鳥鸟 燕燕 蓋盖 滬沪 鵝鹅 魚鱼 鱗鳞 麗丽 線线 綫线 紫紫 買买 賣卖 蘭兰 讓让 劍剑 劇剧 寫写 帶带 夠够 壓压 廳厅 彎弯 慮虑 戶户 擇择 歷历 殺杀 灑洒 爺爷 獅狮 玉玉 璉琏 琺珐 瑯琅 瑞瑞";

fn table() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = PAIRS
            .split_whitespace()
            .filter_map(|pair| {
                let mut chars = pair.chars();
                let (from, to) = (chars.next()?, chars.next()?);
                (from != to).then_some((from, to))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    })
}

/// The simplified form of a name character, or the character itself.
pub fn simplified(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let table = table();
    match table.binary_search_by(|(from, _)| from.cmp(&c)) {
        Ok(i) => table[i].1,
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_maps_one_way_to_one_character() {
        let table = table();
        assert!(table.len() > 300, "{}", table.len());
        for window in table.windows(2) {
            assert_ne!(window[0].0, window[1].0, "{} maps twice", window[0].0);
        }
        for (_, to) in table {
            assert_eq!(simplified(*to), *to, "{to} is itself mapped: the table must be one step");
        }
    }

    #[test]
    fn common_name_characters_simplify() {
        let folded: String = "張偉 劉德華 陳麗 鍾鐘 峯".chars().map(simplified).collect();
        assert_eq!(folded, "张伟 刘德华 陈丽 钟钟 峰");
        assert_eq!(simplified('王'), '王');
        assert_eq!(simplified('a'), 'a');
    }
}
